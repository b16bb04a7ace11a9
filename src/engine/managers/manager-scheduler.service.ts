import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Queue } from 'bullmq';
import { Environment } from '../../config/environment';
import { HeartbeatService } from '../heartbeats/heartbeat.service';
import { ManagerRegistry } from './manager.registry';
import { MANAGERS_QUEUE, ManagerCycleJob } from './managers.constants';

/**
 * Keeps one BullMQ job scheduler per manager kind on the managers queue. Upserting is idempotent, so every
 * managers process does it at start and again every MANAGER_SCHEDULER_REFRESH: a Redis that lost its data
 * (FLUSHALL, restart without persistence) has its schedulers back within that time.
 */
@Injectable()
export class ManagerSchedulerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ManagerSchedulerService.name);
  private timer?: NodeJS.Timeout;

  constructor(
    @InjectQueue(MANAGERS_QUEUE) private readonly queue: Queue<ManagerCycleJob>,
    private readonly registry: ManagerRegistry,
    private readonly heartbeat: HeartbeatService,
    private readonly config: ConfigService<Environment, true>,
  ) {}

  onApplicationBootstrap(): void {
    this.queue.on('error', (err) => this.logger.warn(`managers queue: ${err.message}`));
    this.heartbeat.register('manager', () => this.registry.all().map((m) => m.options.kind));
    void this.upsertAll();
    this.timer = setInterval(
      () => void this.upsertAll(),
      this.config.get('MANAGER_SCHEDULER_REFRESH', { infer: true }),
    );
  }

  async upsertAll(): Promise<void> {
    for (const { options } of this.registry.all()) {
      const every = this.config.get(options.interval, { infer: true }) as number;
      try {
        await this.queue.upsertJobScheduler(
          options.kind,
          { every },
          {
            name: options.kind,
            data: { kind: options.kind },
            opts: { removeOnComplete: { count: 50 }, removeOnFail: { count: 200, age: 24 * 3600 } },
          },
        );
      } catch (err) {
        this.logger.warn(
          `could not upsert the ${options.kind} scheduler (will retry): ${(err as Error).message}`,
        );
      }
    }
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
