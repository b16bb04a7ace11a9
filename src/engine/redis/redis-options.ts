import type { RedisOptions } from 'bullmq';

/**
 * ioredis options from REDIS_URL, for BullMQ, which opens its own connections. `maxRetriesPerRequest: null`
 * is what BullMQ workers need: a blocking command must wait out a Redis restart, not fail after N tries.
 */
export function redisOptionsFromUrl(url: string): RedisOptions {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    tls: u.protocol === 'rediss:' ? {} : undefined,
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (times: number) => Math.min(500 * times, 5000),
  };
}
