import { rmSync } from 'node:fs';
import { DataSource } from 'typeorm';
import { typeOrmOptions } from '../src/database/typeorm-options';
import {
  applyDemoTopology,
  redisNamespace,
  RedisNamespace,
  RunningProcess,
  startWorker,
  waitFor,
} from './support/processes';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { insertCcatBundle } from './support/transfer-manager-harness';

/**
 * Which archive site a bundle from the observatory goes to first, decided by a real managers process:
 * the sites take turns, the turn survives a restart of the managers (it lives in Redis), and a lost cursor
 * only starts the turns again.
 */
describe('round-robin choice of the first archive site (real managers process, PostgreSQL, Redis)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let ns: RedisNamespace;
  let dataRoot: string;
  let managers: RunningProcess | undefined;
  let bundles = 0;

  const startManagers = async () => {
    managers = await startWorker(['--role', 'managers'], {
      DATABASE_URL: db.url,
      ...ns.env,
      CCAT_DATA_ROOT: dataRoot,
      DATA_TRANSFER_MANAGER_INTERVAL: '200ms',
    });
  };

  /** A finished bundle in the ccat buffer, as stage 2 leaves it; returns the site its transfer goes to. */
  const bundleAndWaitForItsFirstSite = async (): Promise<string> => {
    bundles++;
    const id = await insertCcatBundle(ds, bundles);
    return waitFor(
      `a transfer of bundle ${bundles}`,
      async () => {
        const [row] = await ds.query(
          `SELECT s.short_name AS site FROM data_transfer t
             JOIN data_location l ON l.id = t.destination_location_id JOIN site s ON s.id = l.site_id
            WHERE t.data_transfer_package_id = $1`,
          [id],
        );
        return row?.site as string | undefined;
      },
      20_000,
    );
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    ({ dataRoot } = applyDemoTopology(db.url));
    ds = await new DataSource(typeOrmOptions(db.url)).initialize();
    ns = redisNamespace();
    await startManagers();
  }, 60_000);

  afterAll(async () => {
    await managers?.stop('SIGKILL');
    await ds?.destroy();
    await db?.drop();
    await ns?.cleanup();
    if (dataRoot) rmSync(dataRoot, { recursive: true, force: true });
  });

  it('alternates between the archive sites and keeps its place when the managers are killed and restarted', async () => {
    const before = [];
    for (let i = 0; i < 3; i++) before.push(await bundleAndWaitForItsFirstSite());
    await managers!.stop('SIGKILL');
    await startManagers();
    const after = [];
    for (let i = 0; i < 3; i++) after.push(await bundleAndWaitForItsFirstSite());

    const sequence = [...before, ...after];
    expect(new Set(sequence)).toEqual(new Set(['cologne', 'us']));
    // Every turn differs from the one before, across the restart too.
    for (let i = 1; i < sequence.length; i++) expect(sequence[i]).not.toBe(sequence[i - 1]);
    expect(await ns.redis.get(`${ns.env.REDIS_KEY_PREFIX}round_robin:ccat`)).toBe('6');
  }, 90_000);

  it('starts the turns again when the cursor is lost, and every bundle still gets its transfer', async () => {
    await ns.redis.del(`${ns.env.REDIS_KEY_PREFIX}round_robin:ccat`);
    // Sites are taken in name order: a fresh cursor begins with cologne.
    expect(await bundleAndWaitForItsFirstSite()).toBe('cologne');
    expect(await bundleAndWaitForItsFirstSite()).toBe('us');
    const [{ without }] = await ds.query(
      `SELECT count(*)::int AS without FROM data_transfer_package d
        WHERE NOT EXISTS (SELECT 1 FROM data_transfer t WHERE t.data_transfer_package_id = d.id)`,
    );
    expect(without).toBe(0);
  }, 60_000);
});
