import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/**
 * A worker must not crash-loop while PostgreSQL is down (the link from the mountain drops for hours).
 * Its data source is created unconnected; this connects it in the background, backing off up to 30 s,
 * and the parts that need the database wait for `ready`. Once connected, the pool replaces broken
 * connections by itself, and each user of the database retries its own work.
 */
@Injectable()
export class DatabaseConnector implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DatabaseConnector.name);
  private stopped = false;
  private resolveReady!: () => void;
  readonly ready: Promise<void> = new Promise((resolve) => (this.resolveReady = resolve));

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  onApplicationBootstrap(): void {
    void this.connect();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
  }

  get connected(): boolean {
    return this.dataSource.isInitialized;
  }

  private async connect(): Promise<void> {
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        if (!this.dataSource.isInitialized) await this.dataSource.initialize();
        this.logger.log(`connected to the database${attempt > 1 ? ` after ${attempt} attempts` : ''}`);
        this.resolveReady();
        return;
      } catch (err) {
        const delay = Math.min(30_000, 500 * 2 ** Math.min(attempt, 6));
        this.logger.warn(`database unreachable (${(err as Error).message}); retrying in ${delay} ms`);
        await new Promise((r) => setTimeout(r, delay).unref());
      }
    }
  }
}
