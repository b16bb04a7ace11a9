import { LRUCache } from 'lru-cache';
import { DomainError } from '../errors/domain-error';

/** The window failed authentications are counted in, here and in Redis (shared-auth-failure-limiter.ts). */
export const AUTH_FAILURE_WINDOW_MS = 60_000;

/** The refusal of an address over its failures, in one wording whichever count decided. */
export function tooManyFailures(client: string, failures: number, retryInMs: number): DomainError {
  return new DomainError(
    'TOO_MANY_REQUESTS',
    `too many failed authentications from ${client} (${failures} in the last minute); try again in ${Math.max(1, Math.ceil(retryInMs / 1000))} s`,
  );
}

/**
 * Failed authentications per client address within the last minute, counted in this process: past
 * `perMinute`, that address is refused (429) before its token is even looked at, until its failures age
 * out. What decides when Redis, where the processes share one count, is unreachable.
 */
export class AuthFailureLimiter {
  private readonly failures = new LRUCache<string, number[]>({ max: 50_000, ttl: AUTH_FAILURE_WINDOW_MS });

  constructor(private readonly perMinute: number) {}

  /** Throws TOO_MANY_REQUESTS while `client` is over its failures. */
  assertAllowed(client: string): void {
    const recent = this.recent(client);
    if (recent.length >= this.perMinute)
      throw tooManyFailures(client, recent.length, recent[0] + AUTH_FAILURE_WINDOW_MS - Date.now());
  }

  recordFailure(client: string): void {
    this.failures.set(client, [...this.recent(client), Date.now()]);
  }

  private recent(client: string): number[] {
    const since = Date.now() - AUTH_FAILURE_WINDOW_MS;
    return (this.failures.get(client) ?? []).filter((t) => t > since);
  }
}
