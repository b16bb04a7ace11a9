import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { Public } from '../auth/scopes.decorator';
import { DatabaseHealthIndicator } from './database.health';
import { DiskHealthIndicator } from './disk.health';
import { RedisHealthIndicator } from './redis.health';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: DatabaseHealthIndicator,
    private readonly redis: RedisHealthIndicator,
    private readonly disk: DiskHealthIndicator,
  ) {}

  /** 200 when every dependency is up, 503 with the failing ones named otherwise. No token: monitors poll it. */
  @Get()
  @Public()
  @HealthCheck()
  check() {
    return this.health.check([
      () => this.database.check(),
      () => this.redis.check(),
      () => this.disk.check(),
    ]);
  }
}
