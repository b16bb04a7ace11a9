import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import Redis from 'ioredis';
import { hostname } from 'node:os';
import { RepeatedWarning } from '../logging/repeated-warning';
import { getProcessName } from '../logging/process-name';
import { REDIS } from '../redis/redis.module';
import { Environment } from '../../config/environment';
import { RELEASE, TRANSFER_PROTOCOL } from '../release/release';
import { Heartbeat, heartbeatKey } from './heartbeat';

/**
 * Keeps this process's `health:{type}:{name}` key alive in Redis (TTL 90 s, refreshed every 30 s by
 * default): a missing key means the process is dead. Redis being down is logged, never fatal; the beat
 * resumes with it.
 */
@Injectable()
export class HeartbeatService implements OnApplicationShutdown {
  private readonly logger = new Logger(HeartbeatService.name);
  private readonly startedAt = new Date().toISOString();
  private readonly beats = new Map<Heartbeat['type'], () => string[]>();
  private timer?: NodeJS.Timeout;
  private readonly unsent = new RepeatedWarning(this.logger);

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly config: ConfigService<Environment, true>,
  ) {}

  /** Starts beating as `type`, reporting what `serves()` returns at each beat. */
  register(type: Heartbeat['type'], serves: () => string[]): void {
    this.beats.set(type, serves);
    void this.beat();
    if (!this.timer) {
      this.timer = setInterval(
        () => void this.beat(),
        this.config.get('HEARTBEAT_INTERVAL', { infer: true }),
      );
      this.timer.unref();
    }
  }

  async beat(): Promise<void> {
    const ttl = this.config.get('HEARTBEAT_TTL', { infer: true });
    const prefix = this.config.get('REDIS_KEY_PREFIX', { infer: true });
    for (const [type, serves] of this.beats) {
      const beat: Heartbeat = {
        type,
        name: getProcessName(),
        host: hostname(),
        pid: process.pid,
        startedAt: this.startedAt,
        beatAt: new Date().toISOString(),
        serves: serves(),
        release: RELEASE,
        protocol: TRANSFER_PROTOCOL,
      };
      await this.redis.set(heartbeatKey(prefix, type, beat.name), JSON.stringify(beat), 'PX', ttl).then(
        () => this.unsent.recovered('heartbeat sent again'),
        (err: Error) => this.unsent.warn(`heartbeat not sent: ${err.message}`),
      );
    }
  }

  /** A clean stop removes the keys at once instead of letting them expire. */
  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    const prefix = this.config.get('REDIS_KEY_PREFIX', { infer: true });
    const keys = [...this.beats.keys()].map((type) => heartbeatKey(prefix, type, getProcessName()));
    if (keys.length) await this.redis.del(...keys).catch(() => undefined);
  }
}
