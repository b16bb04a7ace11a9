import { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { redisOptionsFromUrl } from '../src/engine/redis/redis-options';
import { typeOrmOptions } from '../src/database/typeorm-options';
import { MANAGERS_QUEUE } from '../src/engine/managers/managers.constants';
import { ConfigService } from '@nestjs/config';
import { RawDataPackageProcessor } from '../src/pipeline/packaging/raw-data-package.processor';
import { PhysicalCopyService } from '../src/catalog/physical-copies/physical-copy.service';
import { StorageService } from '../src/engine/storage/storage.service';
import { OperationType } from '../src/engine/queues/operation-type';
import {
  applyDemoTopology,
  REDIS_URL,
  redisNamespace,
  RedisNamespace,
  RunningProcess,
  startWorker,
  waitFor,
} from './support/processes';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { insertObsUnit, insertRawDataFile, insertRawDataPackage } from './support/factories';
import { OperationStatus } from '../src/engine/work/operation-status';

const INTERVAL_MS = 300;

interface CycleRow {
  process: string;
  outcome: string;
  started_at: Date;
  finished_at: Date | null;
}

describe('managers on job schedulers (real PostgreSQL, Redis and processes)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  const running: RunningProcess[] = [];
  const namespaces: RedisNamespace[] = [];

  const env = (ns: RedisNamespace) => ({
    DATABASE_URL: db.url,
    ...ns.env,
    RAW_DATA_PACKAGE_MANAGER_INTERVAL: `${INTERVAL_MS}ms`,
    MANAGER_SCHEDULER_REFRESH: '1s',
    HEARTBEAT_INTERVAL: '500ms',
  });

  const startManagers = async (ns: RedisNamespace) => {
    const p = await startWorker(['--role', 'managers'], env(ns));
    running.push(p);
    return p;
  };

  const cycles = async (since = new Date(0)): Promise<CycleRow[]> =>
    ds.query(
      `SELECT process, outcome, started_at, finished_at FROM manager_cycle
        WHERE kind = 'raw_data_package' AND started_at >= $1 ORDER BY started_at`,
      [since],
    );

  /** An obs unit with `n` files at the ccat source: work for the packaging manager once it is finished. */
  const unitWithFiles = async (n: number, finished: boolean) => {
    const unit = await insertObsUnit(ds, { obsUnit: 'overlap', finished });
    for (let g = 1; g <= n; g++)
      await insertRawDataFile(ds, { unit, path: `f/${unit}/${g}`, size: 10, sha256: 'a'.repeat(64) });
    return unit;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    applyDemoTopology(db.url);
    ds = await new DataSource(typeOrmOptions(db.url)).initialize();
  });

  afterEach(async () => {
    await Promise.all(running.splice(0).map((p) => p.stop('SIGKILL')));
    await Promise.all(namespaces.splice(0).map((ns) => ns.cleanup()));
  });

  afterAll(async () => {
    await ds.destroy();
    await db.drop();
  });

  it('never overlaps two cycles of one manager across two processes, even when a cycle takes 3x its interval', async () => {
    const ns = redisNamespace();
    namespaces.push(ns);
    const [a, b] = [await startManagers(ns), await startManagers(ns)];
    await waitFor('both processes to have run or skipped a cycle', async () => {
      const processes = new Set((await cycles()).map((c) => c.process));
      return processes.size >= 2;
    });

    for (let round = 0; round < 3; round++) {
      // Hold the packages table so that the cycle that finds this work blocks for 3 intervals. The files
      // go in first (inserting them while the lock is held would wait on it too), their unit finishes after.
      const unit = await unitWithFiles(5, false);
      const lock = ds.createQueryRunner();
      await lock.connect();
      try {
        await lock.startTransaction();
        await lock.query(`LOCK TABLE raw_data_package IN ACCESS EXCLUSIVE MODE`);
        await ds.query(`UPDATE executed_obs_unit SET finished_at = now() WHERE id = $1`, [unit]);
        // A cycle starts within an interval or so of the finish (later on a loaded machine) and then waits
        // for the rest of the hold, which leaves it at least 3 intervals long.
        await new Promise((r) => setTimeout(r, 6 * INTERVAL_MS + 200));
        await lock.commitTransaction();
      } finally {
        if (lock.isTransactionActive) await lock.rollbackTransaction();
        await lock.release();
      }
      await waitFor(
        'the slow cycle to finish',
        async () =>
          (
            await ds.query(`SELECT count(*)::int AS n FROM raw_data_file WHERE raw_data_package_id IS NULL`)
          )[0].n === 0,
      );
    }
    await new Promise((r) => setTimeout(r, 2 * INTERVAL_MS));

    const all = await cycles();
    const ran = all.filter((c) => c.outcome === 'completed');
    const slow = ran.filter((c) => c.finished_at!.getTime() - c.started_at.getTime() >= 3 * INTERVAL_MS);
    expect(slow.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < ran.length; i++) {
      // Sorted by start: each cycle must have finished before the next one started.
      expect(ran[i].started_at.getTime()).toBeGreaterThanOrEqual(ran[i - 1].finished_at!.getTime());
    }
    // The other process's turns during each slow cycle were skipped, not run beside it.
    const skipped = all.filter((c) => c.outcome === 'skipped');
    const unchallenged = slow.filter(
      (s) =>
        !skipped.some(
          (c) =>
            c.started_at.getTime() >= s.started_at.getTime() &&
            c.started_at.getTime() <= s.finished_at!.getTime(),
        ),
    );
    expect(unchallenged).toEqual([]);
    // Both processes took part: each ran or skipped cycles under its own name (`...-<pid>`).
    for (const p of [a, b]) expect(all.some((c) => c.process.endsWith(`-${p.child.pid}`))).toBe(true);
    expect(all.every((c) => c.outcome !== 'failed')).toBe(true);
    const packages = await ds.query(`SELECT count(*)::int AS n FROM raw_data_package`);
    expect(packages[0].n).toBe(3);
  });

  it('hands every package to the source worker, none stranded between enqueue and scheduled', async () => {
    const ns = redisNamespace();
    namespaces.push(ns);
    // The worker listens before the manager enqueues, so jobs are taken the moment they are added.
    const ccat = await startWorker(['--site', 'ccat'], { ...env(ns), WORKER_DISCOVERY_INTERVAL: '1s' });
    running.push(ccat);
    await waitFor(
      'the ccat worker to bind its queues',
      async () => (await ccat.health()).body.status === 'ok',
    );
    const units = await Promise.all(Array.from({ length: 30 }, () => unitWithFiles(2, true)));
    await startManagers(ns);
    await waitFor(
      'all 30 packages to be taken by the ccat worker',
      async () => {
        const rows: { status: string; claimed_by: string | null }[] = await ds.query(
          `SELECT status, claimed_by FROM raw_data_package WHERE executed_obs_unit_id = ANY($1::uuid[])`,
          [units],
        );
        return (
          rows.length === 30 &&
          // Their files were never written, so packaging fails them, which is fine here: none is stranded.
          rows.every((r) => r.status !== 'scheduled' && r.claimed_by?.startsWith('worker-ccat-'))
        );
      },
      20_000,
    ).catch((err) => {
      console.log(
        ccat
          .output()
          .split('\n')
          .filter((l) => !l.includes('dependencies'))
          .slice(-15)
          .join('\n'),
      );
      throw err;
    });
  });

  it('has the packaging job retry, not skip, a package whose scheduling has not committed yet', async () => {
    const unit = await unitWithFiles(1, true);
    // Made, and not yet scheduled: PENDING.
    const { id } = await insertRawDataPackage(ds, unit, {
      name: 'race',
      relativePath: 'race.tar',
      status: OperationStatus.PENDING,
    });
    await ds.query(`UPDATE raw_data_file SET raw_data_package_id = $1 WHERE executed_obs_unit_id = $2`, [
      id,
      unit,
    ]);
    const processor = new RawDataPackageProcessor(
      ds,
      new StorageService(new ConfigService({})),
      new PhysicalCopyService(ds),
    );
    const payload = {
      operation: OperationType.RAW_DATA_PACKAGE_CREATION,
      entityId: id,
      locationId: 0,
      attempt: 0,
    };
    await expect(processor.handle(payload)).rejects.toThrow(/not scheduled yet/);
    expect((await ds.query(`SELECT status FROM raw_data_package WHERE id = $1`, [id]))[0].status).toBe(
      'pending',
    );
    await ds.query(`UPDATE raw_data_package SET status = 'scheduled' WHERE id = $1`, [id]);
    // Scheduled, it is taken; its one file was never written, so it fails for good, saying so.
    await expect(processor.handle(payload)).rejects.toThrow(/missing from disk/);
    const [row] = await ds.query(
      `SELECT status, failure_reason, claimed_by FROM raw_data_package WHERE id = $1`,
      [id],
    );
    expect(row.status).toBe('failed');
    expect(row.failure_reason).toMatch(/is recorded but missing/);
  });

  it('gets its schedulers back after Redis loses everything, and runs again', async () => {
    // A Redis database of this test's own, so that flushing it touches no other test file.
    const ns = redisNamespace(`${REDIS_URL}/9`);
    namespaces.push(ns);
    await startManagers(ns);
    const queue = new Queue(MANAGERS_QUEUE, {
      connection: redisOptionsFromUrl(ns.env.REDIS_URL),
      prefix: ns.env.QUEUE_PREFIX,
    });
    try {
      await waitFor(
        'two completed cycles',
        async () => (await cycles()).filter((c) => c.outcome === 'completed').length >= 2,
      );
      await ns.redis.flushdb();
      const flushedAt = new Date();
      expect(await ns.redis.dbsize()).toBeLessThan(5);
      await waitFor(
        'the scheduler to be upserted again',
        async () => (await queue.getJobSchedulers()).some((j) => j.key === 'raw_data_package'),
        // What is asserted is the recovery, not its speed: a loaded machine may take a few refreshes.
        15_000,
      );
      await waitFor(
        `a completed cycle after the flush ${JSON.stringify(await cycles(flushedAt))}`,
        async () => (await cycles(flushedAt)).some((c) => c.outcome === 'completed'),
        15_000,
      );
      await unitWithFiles(3, true);
      await waitFor(
        'the new files to be packaged',
        async () =>
          (
            await ds.query(`SELECT count(*)::int AS n FROM raw_data_file WHERE raw_data_package_id IS NULL`)
          )[0].n === 0,
      );
    } finally {
      await queue.close();
    }
  });
});
