import { ConfigService } from '@nestjs/config';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { typeOrmOptions } from '../../src/database/typeorm-options';
import { TaskQueueService } from '../../src/engine/queues/task-queue.service';
import { LtaRoutingService } from '../../src/catalog/routing/lta-routing.service';
import { RouteService } from '../../src/catalog/routing/route.service';
import { StorageService } from '../../src/engine/storage/storage.service';
import { DataTransferManager } from '../../src/pipeline/transfer/data-transfer.manager';
import { applyDemoTopology, redisNamespace, RedisNamespace } from './processes';
import { createTestDatabase, TestDatabase } from './test-database';

/** A finished bundle at the ccat buffer, as stage 2 leaves it (its bytes are not needed to route it). */
export async function insertCcatBundle(ds: DataSource, n: number): Promise<string> {
  const [{ id }] = await ds.query(
    `INSERT INTO data_transfer_package (name, relative_path, origin_location_id, status, size, sha256, package_count)
     SELECT $1, $2, l.id, 'completed', 1024, repeat('a', 64), 1 FROM data_location l JOIN site s ON s.id = l.site_id
      WHERE s.short_name = 'ccat' AND l.name = 'buffer' RETURNING id`,
    [`bundle_${n}`, `transfer/bundle_${n}.tar`],
  );
  return id;
}

/**
 * The transfer manager in process on a fresh database with the demo topology, real Redis and the buffers'
 * disks: for tests of where bundles go (failover, routes).
 */
export class TransferManagerHarness {
  db!: TestDatabase;
  ds!: DataSource;
  ns!: RedisNamespace;
  dataRoot!: string;
  queues!: TaskQueueService;
  manager!: DataTransferManager;
  private bundles = 0;

  static async start(): Promise<TransferManagerHarness> {
    const h = new TransferManagerHarness();
    h.db = await createTestDatabase();
    ({ dataRoot: h.dataRoot } = applyDemoTopology(h.db.url));
    for (const dir of ['cologne/buffer', 'cologne/buffer_secondary', 'us/buffer'])
      mkdirSync(join(h.dataRoot, dir), { recursive: true });
    h.ds = await new DataSource(typeOrmOptions(h.db.url)).initialize();
    h.ns = redisNamespace();
    const config = new ConfigService({ ...h.ns.env }) as never;
    h.queues = new TaskQueueService(config);
    h.manager = new DataTransferManager(
      h.ds,
      h.queues,
      new LtaRoutingService(h.ds, h.ns.redis, config),
      new StorageService(new ConfigService({})),
      new RouteService(h.ds),
    );
    return h;
  }

  bundle(): Promise<string> {
    return insertCcatBundle(this.ds, ++this.bundles);
  }

  /** A new bundle, routed by the manager; where its first transfer goes, or null if it has to wait. */
  async nextBundleGoesTo(): Promise<{ bundle: string; to: string | null }> {
    const bundle = await this.bundle();
    await this.manager.createTransfers();
    const [transfer] = await this.transfersOf(bundle);
    return { bundle, to: transfer?.to ?? null };
  }

  /** Cologne's turn: bundles alternate between the archive sites, so route bundles until one is Cologne's. */
  async nextForCologne(): Promise<{ bundle: string; to: string | null }> {
    for (;;) {
      const turn = Number((await this.ns.redis.get(`${this.ns.env.REDIS_KEY_PREFIX}round_robin:ccat`)) ?? 0);
      // Sites in name order: cologne takes the odd turns (1, 3, ...), which the next bundle gets when even.
      if (turn % 2 === 0) return this.nextBundleGoesTo();
      await this.nextBundleGoesTo();
    }
  }

  /** Every transfer of a bundle, as `site/location` from and to, in the order they were made. */
  transfersOf(id: string): Promise<{ from: string; to: string }[]> {
    return this.ds.query(
      `SELECT os.short_name || '/' || o.name AS "from", ds.short_name || '/' || d.name AS "to" FROM data_transfer t
         JOIN data_location o ON o.id = t.origin_location_id JOIN site os ON os.id = o.site_id
         JOIN data_location d ON d.id = t.destination_location_id JOIN site ds ON ds.id = d.site_id
        WHERE t.data_transfer_package_id = $1 ORDER BY t.created_at`,
      [id],
    );
  }

  async stop(): Promise<void> {
    await this.queues?.onApplicationShutdown();
    await this.ds?.destroy();
    await this.db?.drop();
    await this.ns?.cleanup();
    if (this.dataRoot) rmSync(this.dataRoot, { recursive: true, force: true });
  }
}
