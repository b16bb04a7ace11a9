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
import { applyDemoTopology, cli, redisNamespace, RedisNamespace } from './support/processes';
import { createTestDatabase, TestDatabase } from './support/test-database';

/**
 * Operators' routes over the default routing (DIRECT has its own test with real processes), with the
 * transfer manager in process on real PostgreSQL,
 * Redis and disk, and `ccat-dt route` as a process: RELAY sends data bound for a site through another
 * first; CUSTOM makes transfers from a location to a site land in a chosen location.
 */
describe('routes: relay and custom (PostgreSQL, Redis, disk, CLI)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let ns: RedisNamespace;
  let dataRoot: string;
  let queues: TaskQueueService;
  let manager: DataTransferManager;
  let bundles = 0;
  const route = (...args: string[]) => cli(['route', ...args], { DATABASE_URL: db.url });

  const bundle = async (): Promise<string> => {
    bundles++;
    const [{ id }] = await ds.query(
      `INSERT INTO data_transfer_package (name, relative_path, origin_location_id, status, size, sha256, package_count)
       SELECT $1, $2, l.id, 'completed', 1, repeat('a', 64), 1 FROM data_location l JOIN site s ON s.id = l.site_id
        WHERE s.short_name = 'ccat' AND l.name = 'buffer' RETURNING id`,
      [`bundle_${bundles}`, `transfer/bundle_${bundles}.tar`],
    );
    return id;
  };
  const transfersOf = (id: string): Promise<{ from: string; to: string }[]> =>
    ds.query(
      `SELECT os.short_name || '/' || o.name AS "from", ds.short_name || '/' || d.name AS "to" FROM data_transfer t
         JOIN data_location o ON o.id = t.origin_location_id JOIN site os ON os.id = o.site_id
         JOIN data_location d ON d.id = t.destination_location_id JOIN site ds ON ds.id = d.site_id
        WHERE t.data_transfer_package_id = $1 ORDER BY t.created_at`,
      [id],
    );

  beforeAll(async () => {
    db = await createTestDatabase();
    ({ dataRoot } = applyDemoTopology(db.url));
    for (const b of ['buffer', 'buffer_secondary'])
      mkdirSync(join(dataRoot, 'cologne', b), { recursive: true });
    mkdirSync(join(dataRoot, 'us', 'buffer'), { recursive: true });
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

  it('refuses routes that cannot work, saying why', () => {
    expect(() => route('add', 'relay', '--from', 'ccat', '--to', 'us', '--via', 'us')).toThrow(
      /a relay needs three different sites/,
    );
    expect(() => route('add', 'relay', '--from', 'ccat', '--to', 'mars', '--via', 'cologne')).toThrow(
      /no site mars/,
    );
    expect(() => route('add', 'custom', '--from', 'ccat_buffer', '--to', 'cologne_lta')).toThrow(
      /cologne_lta is a long_term_archive location; transfers land in buffers/,
    );
    // This test's topology publishes no data URLs: nothing could read the ccat buffer from the US.
    expect(() => route('add', 'direct', '--from', 'ccat', '--to', 'us')).toThrow(
      /ccat has no buffer with a data URL for us to read from directly/,
    );
    expect(route('list')).toContain('No routes');
  });

  it('RELAY: every bundle leaves the observatory for Cologne, and the US gets it from there', async () => {
    expect(route('add', 'relay', '--from', 'ccat', '--to', 'us', '--via', 'cologne')).toMatch(
      /^Added route \d+: relay ccat -> cologne -> us\.$/m,
    );
    const ids = [await bundle(), await bundle()];
    await manager.createTransfers();
    // Round robin gave one of the two bundles to the US; the relay sent it to Cologne instead.
    for (const id of ids)
      expect(await transfersOf(id)).toEqual([{ from: 'ccat/buffer', to: 'cologne/buffer' }]);
    // Once Cologne has unpacked them, each goes on to the US from Cologne's buffer.
    await ds.query(`UPDATE data_transfer SET status = 'completed', unpack_status = 'completed'`);
    await manager.createReplications();
    for (const id of ids)
      expect(await transfersOf(id)).toEqual([
        { from: 'ccat/buffer', to: 'cologne/buffer' },
        { from: 'cologne/buffer', to: 'us/buffer' },
      ]);
    const [relay] = route('list')
      .match(/route (\d+): relay/)!
      .slice(1);
    route('remove', relay);
  });

  it('CUSTOM: transfers from the ccat buffer to Cologne land in buffer_secondary, whatever the priorities', async () => {
    route('add', 'custom', '--from', 'ccat_buffer', '--to', 'cologne_buffer_secondary');
    const ids = [await bundle(), await bundle()];
    await manager.createTransfers();
    const landed = (await Promise.all(ids.map(transfersOf)))
      .flat()
      .map((t) => t.to)
      .sort();
    // One bundle each way: the US one by its buffers' priority, the Cologne one by the route.
    expect(landed).toEqual(['cologne/buffer_secondary', 'us/buffer']);
    expect(route('list')).toMatch(/custom ccat_buffer -> cologne_buffer_secondary/);
  });
});
