import { Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { withTimeout } from '../health/with-timeout';

/**
 * One read of the database or Redis shared by every gauge a scrape collects in parallel (prom-client
 * collects all metrics at once) and by every scraper asking meanwhile (single flight), served again for
 * `freshForMs` after it answered (so a hundred scrapers cost one read), and bounded by a timeout: a scrape
 * while PostgreSQL or Redis is down answers within the timeout, with these gauges empty and the process
 * metrics intact. Database reads pass the timeout on as their statement_timeout (boundedRead), so a query
 * that outlives the scrape is stopped, not left running.
 */
export type ReadResult<T> = { ok: true; value: T } | { ok: false };

export class SharedRead<T> {
  private inFlight?: Promise<ReadResult<T>>;
  private last?: { at: number; result: ReadResult<T> };
  private lastError = '';

  constructor(
    private readonly what: string,
    private readonly read: () => Promise<T>,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
    private readonly freshForMs = 0,
  ) {}

  get(): Promise<ReadResult<T>> {
    if (this.last && Date.now() - this.last.at < this.freshForMs) return Promise.resolve(this.last.result);
    this.inFlight ??= withTimeout(this.read(), this.timeoutMs)
      .then((value): ReadResult<T> => {
        this.lastError = '';
        this.last = { at: Date.now(), result: { ok: true, value } };
        return this.last.result;
      })
      .catch((err: Error) => {
        // Once per kind of failure, not once per scrape.
        if (err.message !== this.lastError)
          this.logger.warn(`metrics: ${this.what} unavailable: ${err.message}`);
        this.lastError = err.message;
        return { ok: false } as const;
      })
      .finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }
}

/**
 * A read of the database whose statements PostgreSQL itself stops after `timeoutMs` (statement_timeout,
 * for this transaction only): a scrape that gave up waiting leaves no query behind.
 */
export function boundedRead<T>(
  dataSource: DataSource,
  timeoutMs: number,
  read: (m: EntityManager) => Promise<T>,
): Promise<T> {
  return dataSource.transaction(async (m) => {
    await m.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.round(timeoutMs))}`);
    return read(m);
  });
}
