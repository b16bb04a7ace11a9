import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HealthIndicatorService } from '@nestjs/terminus';
import Redis from 'ioredis';
import { REDIS } from '../redis/redis.module';
import { Environment } from '../../config/environment';
import { withTimeout } from './with-timeout';

@Injectable()
export class RedisHealthIndicator {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly indicators: HealthIndicatorService,
    private readonly config: ConfigService<Environment, true>,
  ) {}

  async check(key = 'redis') {
    const session = this.indicators.check(key);
    const started = Date.now();
    try {
      await withTimeout(this.redis.ping(), this.config.get('HEALTH_TIMEOUT_MS', { infer: true }));
      return session.up({ latencyMs: Date.now() - started });
    } catch (err) {
      return session.down({ message: (err as Error).message });
    }
  }
}
