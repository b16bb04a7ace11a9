import { ConfigService } from '@nestjs/config';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { typeOrmOptions } from '../src/database/typeorm-options';
import { TaskQueueService } from '../src/modules/queues/task-queue.service';
import { LtaRoutingService } from '../src/modules/routing/lta-routing.service';
import { RouteService } from '../src/modules/routing/route.service';
import { StorageService } from '../src/modules/storage/storage.service';
import { DataTransferManager } from '../src/modules/transfers/data-transfer.manager';
import { applyDemoTopology, redisNamespace, RedisNamespace } from './support/processes';
import { createTestDatabase, TestDatabase } from './support/test-database';

/**
 * Failover between a site's buffers, with the transfer manager in process on real PostgreSQL, Redis and
 * disk: Cologne has `buffer` (priority 1) and `buffer_secondary` (priority 2). A buffer that is inactive or
 * over its disk threshold gets no new data; what is already on it stays where it is; once it is back, new
 * data goes to it again.
 */
describe('buffer failover (PostgreSQL, Redis, disk)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let ns: RedisNamespace;
  let dataRoot: string;
  let queues: TaskQueueService;
  let manager: DataTransferManager;
  let bundles = 0;

  /** A finished bundle at the ccat buffer; returns where its transfer goes, or null if it has to wait. */
  const nextBundleGoesTo = async (): Promise<string | null> => {
    bundles++;
    const [{ id }] = await ds.query(
      `INSERT INTO data_transfer_package (name, relative_path, origin_location_id, status, size, sha256, package_count)
       SELECT $1, $2, l.id, 'completed', 1, repeat('a', 64), 1 FROM data_location l JOIN site s ON s.id = l.site_id
        WHERE s.short_name = 'ccat' AND l.name = 'buffer' RETURNING id`,
      [`bundle_${bundles}`, `transfer/bundle_${bundles}.tar`],
    );
    await manager.createTransfers();
    const [row] = await ds.query(
      `SELECT s.short_name || '/' || l.name AS destination FROM data_transfer t
         JOIN data_location l ON l.id = t.destination_location_id JOIN site s ON s.id = l.site_id
        WHERE t.data_transfer_package_id = $1`,
      [id],
    );
    return row?.destination ?? null;
  };
  /** Cologne's turn: bundles alternate between the sites, so ask until one goes (or waits) for Cologne. */
  const nextForCologne = async (): Promise<string | null> => {
    for (;;) {
      const turn = Number((await ns.redis.get(`${ns.env.REDIS_KEY_PREFIX}round_robin:ccat`)) ?? 0);
      // Sites in name order: cologne takes the odd turns (1, 3, ...), which the next bundle gets when even.
      if (turn % 2 === 0) return nextBundleGoesTo();
      await nextBundleGoesTo();
    }
  };
  const setBuffer = (name: string, set: string) =>
    ds.query(
      `UPDATE data_location SET ${set} WHERE name = $1 AND site_id = (SELECT id FROM site WHERE short_name = 'cologne')`,
      [name],
    );

  beforeAll(async () => {
    db = await createTestDatabase();
    ({ dataRoot } = applyDemoTopology(db.url));
    for (const b of ['buffer', 'buffer_secondary'])
      mkdirSync(join(dataRoot, 'cologne', b), { recursive: true });
    ds = await new DataSource(typeOrmOptions(db.url)).initialize();
    ns = redisNamespace();
    const config = new ConfigService({ ...ns.env }) as never;
    queues = new TaskQueueService(config);
    manager = new DataTransferManager(
      ds,
      queues,
      new LtaRoutingService(ds, ns.redis, config),
      new StorageService(new ConfigService({})),
      new RouteService(ds),
    );
  });
  afterAll(async () => {
    await queues.onApplicationShutdown();
    await ds.destroy();
    await db.drop();
    await ns.cleanup();
    rmSync(dataRoot, { recursive: true, force: true });
  });

  it('sends new data to the next buffer by priority while the first is inactive, and back once it is active', async () => {
    expect(await nextForCologne()).toBe('cologne/buffer');
    await setBuffer('buffer', 'active = false');
    expect(await nextForCologne()).toBe('cologne/buffer_secondary');
    // What went to the first buffer before stays there: its transfer is not moved elsewhere.
    const [first] = await ds.query(
      `SELECT l.name FROM data_transfer t JOIN data_location l ON l.id = t.destination_location_id
         JOIN data_transfer_package d ON d.id = t.data_transfer_package_id WHERE d.name = 'bundle_1'`,
    );
    expect(first.name).toBe('buffer');
    await setBuffer('buffer', 'active = true');
    expect(await nextForCologne()).toBe('cologne/buffer');
  });

  it('skips a buffer over its disk threshold the same way, and waits when no buffer of the site takes data', async () => {
    // The test disk is more than 1 % full.
    await setBuffer('buffer', 'disk_usage_threshold_percent = 1');
    expect(await nextForCologne()).toBe('cologne/buffer_secondary');
    await setBuffer('buffer_secondary', 'active = false');
    expect(await nextForCologne()).toBeNull();
    const [{ waiting }] = await ds.query(
      `SELECT count(*)::int AS waiting FROM data_transfer_package d
        WHERE NOT EXISTS (SELECT 1 FROM data_transfer t WHERE t.data_transfer_package_id = d.id)`,
    );
    expect(waiting).toBe(1);
    await setBuffer('buffer', 'disk_usage_threshold_percent = 90');
    await setBuffer('buffer_secondary', 'active = true');
  });
});
