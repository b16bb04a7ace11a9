import { Controller, Get, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import type { Request } from 'express';
import { ApiTokenService } from '../auth/api-token.service';
import { Public } from '../auth/scopes.decorator';
import { DatabaseHealthIndicator } from './database.health';
import { DiskHealthIndicator } from './disk.health';
import { LIVE, readiness, seesHealthDetails } from './health-answer';
import { RedisHealthIndicator } from './redis.health';

/** No token needed: monitors poll these. Details (paths, messages) only for a read token. */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: DatabaseHealthIndicator,
    private readonly redis: RedisHealthIndicator,
    private readonly disk: DiskHealthIndicator,
    private readonly tokens: ApiTokenService,
  ) {}

  @Get('live')
  @Public()
  @ApiOperation({ summary: 'The process answers (nothing it depends on is asked)' })
  live() {
    return LIVE;
  }

  /** 200 when every dependency is up, 503 with the failing ones named otherwise. */
  @Get(['', 'ready'])
  @Public()
  @HealthCheck()
  async ready(@Req() req: Request) {
    return readiness(
      this.health,
      [() => this.database.check(), () => this.redis.check(), () => this.disk.check()],
      await seesHealthDetails(this.tokens, req),
    );
  }
}
