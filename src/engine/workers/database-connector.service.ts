import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { EventEmitter } from 'node:events';
import { DataSource } from 'typeorm';

/** How often a connected worker checks that PostgreSQL still answers. */
const PROBE_INTERVAL_MS = 5_000;
const PROBE_TIMEOUT_MS = 3_000;

/**
 * A worker must not crash-loop while PostgreSQL is down (the link from the mountain drops for hours).
 * Its data source is created unconnected; this connects it in the background, backing off up to 30 s, and
 * then keeps probing it, announcing `down` and `up` so that queue consumers pause instead of burning the
 * retries of every job they would take during an outage. The pool replaces broken connections by itself.
 */
@Injectable()
export class DatabaseConnector extends EventEmitter implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DatabaseConnector.name);
  private stopped = false;
  private reachable = false;
  private probing?: NodeJS.Timeout;
  private resolveReady!: () => void;
  readonly ready: Promise<void> = new Promise((resolve) => (this.resolveReady = resolve));

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    super();
  }

  onApplicationBootstrap(): void {
    void this.connect();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearInterval(this.probing);
  }

  get connected(): boolean {
    return this.dataSource.isInitialized && this.reachable;
  }

  private async connect(): Promise<void> {
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        if (!this.dataSource.isInitialized) await this.dataSource.initialize();
        this.logger.log(`connected to the database${attempt > 1 ? ` after ${attempt} attempts` : ''}`);
        this.reachable = true;
        this.resolveReady();
        this.probing = setInterval(() => void this.probe(), PROBE_INTERVAL_MS);
        return;
      } catch (err) {
        const delay = Math.min(30_000, 500 * 2 ** Math.min(attempt, 6));
        this.logger.warn(`database unreachable (${(err as Error).message}); retrying in ${delay} ms`);
        await new Promise((r) => setTimeout(r, delay).unref());
      }
    }
  }

  /**
   * Whether PostgreSQL answers now, announcing `down` or `up` if that changed. A failed job asks, so that a
   * failure caused by an outage is told apart from one of the job's own at once, not at the next probe.
   */
  async probe(): Promise<boolean> {
    if (!this.dataSource.isInitialized) return false;
    let ok: boolean;
    try {
      await Promise.race([
        this.dataSource.query('SELECT 1'),
        new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), PROBE_TIMEOUT_MS).unref()),
      ]);
      ok = true;
    } catch {
      ok = false;
    }
    this.announce(ok);
    return ok;
  }

  private announce(ok: boolean): void {
    if (ok === this.reachable || this.stopped) return;
    this.reachable = ok;
    this.logger.warn(ok ? 'database reachable again' : 'database unreachable');
    this.emit(ok ? 'up' : 'down');
  }
}
