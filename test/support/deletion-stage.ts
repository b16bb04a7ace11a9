import { ConfigService } from '@nestjs/config';
import { rmSync } from 'node:fs';
import { DataSource } from 'typeorm';
import { PhysicalCopyService } from '../../src/catalog/physical-copies/physical-copy.service';
import { typeOrmOptions } from '../../src/database/typeorm-options';
import { TaskQueueService } from '../../src/engine/queues/task-queue.service';
import { StorageService } from '../../src/engine/storage/storage.service';
import { DeletionSwitchService } from '../../src/pipeline/deletion/deletion-switch.service';
import { DeletionManager } from '../../src/pipeline/deletion/deletion.manager';
import { DeletionProcessor } from '../../src/pipeline/deletion/deletion.processor';
import { applyDemoTopology, redisNamespace, RedisNamespace } from './processes';
import { createTestDatabase, TestDatabase } from './test-database';

/**
 * The deletion stage in process on a fresh database with the demo topology, real Redis and disk: its
 * manager and its worker built as the app builds them, with DELETION_MIN_LTA_SITES 2 unless a test says
 * otherwise. For the tests of what may be deleted, and when.
 */
export class DeletionStage {
  db!: TestDatabase;
  ds!: DataSource;
  ns!: RedisNamespace;
  dataRoot!: string;
  queues!: TaskQueueService;

  static async start(): Promise<DeletionStage> {
    const s = new DeletionStage();
    s.db = await createTestDatabase();
    ({ dataRoot: s.dataRoot } = applyDemoTopology(s.db.url));
    s.ds = await new DataSource(typeOrmOptions(s.db.url)).initialize();
    s.ns = redisNamespace();
    s.queues = new TaskQueueService(s.config());
    return s;
  }

  config(over: Record<string, unknown> = {}): never {
    return new ConfigService({ ...this.ns.env, DELETION_MIN_LTA_SITES: 2, ...over }) as never;
  }

  copies(): PhysicalCopyService {
    return new PhysicalCopyService(this.ds);
  }

  manager(over: Record<string, unknown> = {}): DeletionManager {
    return new DeletionManager(
      this.ds,
      this.queues,
      this.copies(),
      new StorageService(new ConfigService({})),
      new DeletionSwitchService(this.ds),
      this.config(over),
    );
  }

  processor(over: Record<string, unknown> = {}): DeletionProcessor {
    return new DeletionProcessor(
      this.ds,
      new StorageService(new ConfigService({})),
      this.copies(),
      new DeletionSwitchService(this.ds),
      this.config(over),
    );
  }

  /** The id of location `name` at site `site`. */
  async location(site: string, name: string): Promise<number> {
    const [row] = await this.ds.query(
      `SELECT l.id FROM data_location l JOIN site s ON s.id = l.site_id WHERE s.short_name = $1 AND l.name = $2`,
      [site, name],
    );
    return row.id;
  }

  async stop(): Promise<void> {
    await this.queues?.onApplicationShutdown();
    await this.ds?.destroy();
    await this.db?.drop();
    await this.ns?.cleanup();
    if (this.dataRoot) rmSync(this.dataRoot, { recursive: true, force: true });
  }
}
