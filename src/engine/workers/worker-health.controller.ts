import { Controller, Get, Inject, Optional, Req } from '@nestjs/common';
import type { Request } from 'express';
import { ApiTokenService } from '../auth/api-token.service';
import { LIVE, readiness, seesHealthDetails } from '../health/health-answer';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { DatabaseHealthIndicator } from '../health/database.health';
import { DiskHealthIndicator } from '../health/disk.health';
import { RedisHealthIndicator } from '../health/redis.health';
import { QueueBindingService } from './queue-binding.service';
import { describeWorker, WORKER_OPTIONS, WorkerOptions } from './worker-options';

/**
 * The worker's own /health (= /health/ready): database, Redis, local disks, and the queues it is bound to
 * right now, in detail for a read token only; /health/live: the process answers.
 */
@Controller('health')
export class WorkerHealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly database: DatabaseHealthIndicator,
    private readonly redis: RedisHealthIndicator,
    private readonly disk: DiskHealthIndicator,
    private readonly tokens: ApiTokenService,
    @Inject(WORKER_OPTIONS) private readonly options: WorkerOptions,
    @Optional() private readonly bindings?: QueueBindingService,
  ) {}

  @Get('live')
  live() {
    return LIVE;
  }

  @Get(['', 'ready'])
  @HealthCheck()
  async ready(@Req() req: Request) {
    return readiness(
      this.health,
      [
        () => this.database.check(),
        () => this.redis.check(),
        () => this.disk.check(),
        () =>
          this.indicators.check('worker').up({
            serves: describeWorker(this.options),
            boundQueues: this.bindings?.boundQueues ?? [],
          }),
      ],
      await seesHealthDetails(this.tokens, req),
    );
  }
}
