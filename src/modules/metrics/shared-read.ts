import { Logger } from '@nestjs/common';
import { withTimeout } from '../health/with-timeout';

/**
 * One read of the database or Redis shared by every gauge a scrape collects in parallel (prom-client
 * collects all metrics at once), bounded by a timeout: a scrape while PostgreSQL or Redis is down answers
 * within the timeout, with these gauges empty and the process metrics intact.
 */
export type ReadResult<T> = { ok: true; value: T } | { ok: false };

export class SharedRead<T> {
  private inFlight?: Promise<ReadResult<T>>;
  private lastError = '';

  constructor(
    private readonly what: string,
    private readonly read: () => Promise<T>,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
  ) {}

  get(): Promise<ReadResult<T>> {
    this.inFlight ??= withTimeout(this.read(), this.timeoutMs)
      .then((value): ReadResult<T> => {
        this.lastError = '';
        return { ok: true, value };
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
