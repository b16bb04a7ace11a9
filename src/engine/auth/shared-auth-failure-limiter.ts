import { Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { withTimeout } from '../health/with-timeout';
import { RepeatedWarning } from '../logging/repeated-warning';
import { AUTH_FAILURE_WINDOW_MS, AuthFailureLimiter, tooManyFailures } from './auth-failure-limiter';

/**
 * How long a request waits for Redis's count before this process's own decides: the check runs before
 * every authenticated request, so a Redis that hangs must not hang the api with it.
 */
const REDIS_WAIT_MS = 250;

/** The Redis key of one address's failures (REDIS_KEY_PREFIX first, like every key of ours). */
export const authFailuresKey = (prefix: string, client: string) => `${prefix}auth_failures:${client}`;

/**
 * Failed authentications per client address, counted in Redis, so that every api process and every
 * worker's data port spend one budget: adding processes behind a load balancer does not multiply what an
 * address may try, and an address refused by one is refused by all.
 *
 * The count is a fixed window that opens at an address's first failure: one key per address, created
 * with its expiry and incremented in one MULTI (`SET NX PX`, `INCR`), so no key ever outlives its window
 * and an address cannot be locked out for good by a crash between two commands. Refused while the count
 * is at `perMinute`; the refusal says when the window closes (the key's PTTL).
 *
 * If Redis is unreachable (not connected, an error, or no answer within REDIS_WAIT_MS), this process's own
 * count decides (AuthFailureLimiter, which records every failure for that reason). Failing open would lift
 * the limit whenever Redis is away, and whoever can disturb Redis could arrange that; failing closed would
 * refuse every request that carries a token because a store of counters is down. Per process is the
 * limit there was before sharing: weaker by the number of processes, never absent.
 */
export class SharedAuthFailureLimiter {
  private readonly logger = new Logger('AuthFailureLimiter');
  private readonly local: AuthFailureLimiter;
  private readonly redisTrouble = new RepeatedWarning(this.logger);

  constructor(
    private readonly perMinute: number,
    private readonly redis: Redis | undefined,
    private readonly keyPrefix: string,
  ) {
    this.local = new AuthFailureLimiter(perMinute);
  }

  /** Throws TOO_MANY_REQUESTS while `client` is over its failures, across every process if Redis answers. */
  async assertAllowed(client: string): Promise<void> {
    const key = authFailuresKey(this.keyPrefix, client);
    const shared = await this.ask((r) => r.multi().get(key).pttl(key).exec());
    if (!shared) return this.local.assertAllowed(client);
    const failures = Number(shared[0][1] ?? 0);
    const ttl = Number(shared[1][1]);
    if (failures >= this.perMinute)
      throw tooManyFailures(client, failures, ttl > 0 ? ttl : AUTH_FAILURE_WINDOW_MS);
  }

  async recordFailure(client: string): Promise<void> {
    this.local.recordFailure(client);
    const key = authFailuresKey(this.keyPrefix, client);
    await this.ask((r) => r.multi().set(key, 0, 'PX', AUTH_FAILURE_WINDOW_MS, 'NX').incr(key).exec());
  }

  /**
   * The answers of one MULTI, or null when Redis cannot give them now (then the caller falls back). A
   * client that is not connected is not asked at all: its commands would queue until it reconnects.
   */
  private async ask(
    multi: (redis: Redis) => Promise<[Error | null, unknown][] | null>,
  ): Promise<[Error | null, unknown][] | null> {
    if (!this.redis) return null;
    try {
      if (this.redis.status !== 'ready') throw new Error(`Redis is ${this.redis.status}`);
      const answers = await withTimeout(multi(this.redis), REDIS_WAIT_MS);
      const failed = answers?.find(([err]) => err)?.[0];
      if (!answers || failed) throw failed ?? new Error('the transaction was discarded');
      this.redisTrouble.recovered('failed authentications are counted in Redis again, across processes');
      return answers;
    } catch (err) {
      this.redisTrouble.warn(
        `failed authentications are limited per process while Redis cannot count them: ${(err as Error).message}`,
      );
      return null;
    }
  }
}
