import { LRUCache } from 'lru-cache';
import { DomainError } from '../errors/domain-error';

const WINDOW_MS = 60_000;

/**
 * Failed authentications per client address within the last minute: past `perMinute`, that address is
 * refused (429) before its token is even looked at, until its failures age out. Kept in the process: each
 * api or worker counts what it sees, which bounds what one address can make it do.
 */
export class AuthFailureLimiter {
  private readonly failures = new LRUCache<string, number[]>({ max: 50_000, ttl: WINDOW_MS });

  constructor(private readonly perMinute: number) {}

  /** Throws TOO_MANY_REQUESTS while `client` is over its failures. */
  assertAllowed(client: string): void {
    const recent = this.recent(client);
    if (recent.length >= this.perMinute) {
      const retryIn = Math.ceil((recent[0] + WINDOW_MS - Date.now()) / 1000);
      throw new DomainError(
        'TOO_MANY_REQUESTS',
        `too many failed authentications from ${client} (${recent.length} in the last minute); try again in ${retryIn} s`,
      );
    }
  }

  recordFailure(client: string): void {
    this.failures.set(client, [...this.recent(client), Date.now()]);
  }

  private recent(client: string): number[] {
    const since = Date.now() - WINDOW_MS;
    return (this.failures.get(client) ?? []).filter((t) => t > since);
  }
}
