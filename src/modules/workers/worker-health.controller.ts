import { Controller, Get, Inject, Optional } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { DatabaseHealthIndicator } from '../health/database.health';
import { DiskHealthIndicator } from '../health/disk.health';
import { RedisHealthIndicator } from '../health/redis.health';
import { QueueBindingService } from './queue-binding.service';
import { describeWorker, WORKER_OPTIONS, WorkerOptions } from './worker-options';

/** The worker's own /health: database, Redis, local disks, and the queues it is bound to right now. */
@Controller('health')
export class WorkerHealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly database: DatabaseHealthIndicator,
    private readonly redis: RedisHealthIndicator,
    private readonly disk: DiskHealthIndicator,
    @Inject(WORKER_OPTIONS) private readonly options: WorkerOptions,
    @Optional() private readonly bindings?: QueueBindingService,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([
      () => this.database.check(),
      () => this.redis.check(),
      () => this.disk.check(),
      () =>
        this.indicators.check('worker').up({
          serves: describeWorker(this.options),
          boundQueues: this.bindings?.boundQueues ?? [],
        }),
    ]);
  }
}
