import { Global, Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import Redis from 'ioredis';
import { Environment } from '../../config/environment';

export const REDIS = Symbol('REDIS');

/**
 * A shared client for small keys (heartbeats, cursors, health). Commands wait for the connection while it
 * is being made, but give up after one retry, so a Redis outage shows up as an error, not as a hang.
 */
@Injectable()
class RedisLifecycle implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  onApplicationShutdown(): void {
    this.redis.disconnect();
  }
}

@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [ConfigService],
      useFactory: (config: ConfigService<Environment, true>) => {
        const redis = new Redis(config.get('REDIS_URL', { infer: true }), {
          lazyConnect: false,
          maxRetriesPerRequest: 1,
          retryStrategy: (times) => Math.min(times * 200, 5000),
        });
        // Reconnection is automatic; say once that Redis is gone rather than once per retry.
        let reported = false;
        redis.on('error', (err: Error) => {
          if (!reported) new Logger('Redis').warn(`Redis unreachable, reconnecting: ${err.message}`);
          reported = true;
        });
        redis.on('ready', () => (reported = false));
        return redis;
      },
    },
    RedisLifecycle,
  ],
  exports: [REDIS],
})
export class RedisModule {}
