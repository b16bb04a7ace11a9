import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import Redis from 'ioredis';
import { Environment } from '../../config/environment';
import { setting } from '../../config/setting';
import { Heartbeat, readHeartbeats } from '../heartbeats/heartbeat';
import { REDIS } from '../redis/redis.module';
import { QueueDescriptor } from './queue-descriptor';
import { QueueDiscoveryService } from './queue-discovery.service';

/** A queue of an active location, with the live workers whose heartbeat lists it among their bound queues. */
export interface CoveredQueue extends QueueDescriptor {
  servedBy: string[];
}

/** What `ccat-dt status`, the console's overview and the alerts report, from one reading. */
export interface ServingGaps {
  /** Every queue not served (see `notServed`), sites without any worker included. */
  unservedQueues: CoveredQueue[];
  /** Sites with active locations none of whose queues a live worker serves. */
  sitesWithoutWorker: string[];
}

/** Each queue with the names of the live workers serving it. */
export function coverQueues(
  queues: QueueDescriptor[],
  beats: Pick<Heartbeat, 'type' | 'name' | 'serves'>[],
): CoveredQueue[] {
  const servers = new Map<string, string[]>();
  for (const beat of beats.filter((b) => b.type === 'worker'))
    for (const name of beat.serves ?? []) servers.set(name, [...(servers.get(name) ?? []), beat.name]);
  return queues.map((q) => ({ ...q, servedBy: (servers.get(q.name) ?? []).sort() }));
}

/**
 * THE definition of a queue not served: a queue of an active location (the only ones discovery finds: an
 * inactive location's queues are unbound on purpose) that no live worker (heartbeat not expired) has
 * bound. Status, the console and the alerts all ask this; the alert waits a grace period on top
 * (QUEUE_UNSERVED_ALERT_AFTER), since workers starting or rebinding leave a queue unserved for a moment.
 */
export function notServed(queue: CoveredQueue): boolean {
  return queue.servedBy.length === 0;
}

export function servingGaps(coverage: CoveredQueue[]): ServingGaps {
  const unservedQueues = coverage.filter(notServed);
  const sites = [...new Set(coverage.map((q) => q.site))];
  const sitesWithoutWorker = sites.filter((site) => coverage.filter((q) => q.site === site).every(notServed));
  return { unservedQueues, sitesWithoutWorker: sitesWithoutWorker.sort() };
}

/** Who serves each queue now: the queues from the database, the workers from their heartbeats in Redis. */
@Injectable()
export class QueueCoverageService {
  constructor(
    private readonly discovery: QueueDiscoveryService,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly config: ConfigService<Environment, true>,
  ) {}

  async coverage(): Promise<CoveredQueue[]> {
    const [queues, beats] = await Promise.all([
      this.discovery.discoverAll(),
      readHeartbeats(this.redis, setting(this.config, 'REDIS_KEY_PREFIX')),
    ]);
    return coverQueues(
      queues,
      beats.map((b) => b.beat),
    );
  }

  async gaps(): Promise<ServingGaps> {
    return servingGaps(await this.coverage());
  }
}
