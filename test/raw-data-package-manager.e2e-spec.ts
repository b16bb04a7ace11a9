import { ConfigService } from '@nestjs/config';
import { createHash, randomBytes } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import type { Environment } from '../src/config/environment';
import { RawDataPackageManager } from '../src/pipeline/packaging/raw-data-package.manager';
import { PackagesModule } from '../src/pipeline/packaging/packages.module';
import { findReadyUnpackagedFiles } from '../src/pipeline/ingest/unpackaged-files.queries';
import { OperationType } from '../src/engine/queues/operation-type';
import { jobId, queueName } from '../src/engine/queues/queue-name';
import { TaskQueueService } from '../src/engine/queues/task-queue.service';
import { applyDemoTopology, redisNamespace, RedisNamespace } from './support/processes';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { insertObsUnit, insertRawDataFile, insertRawDataPackage } from './support/factories';
import { OperationStatus } from '../src/engine/work/operation-status';
import { StageModuleHarness, startStageModule } from './support/stage-module';

/** Small, so that a few files of a few hundred bytes exercise the split. */
const MAX_BYTES = 1000;
const GRACE = '1h';
/** The manager's UNITS_PER_CYCLE (not exported): the same query, the same limit. */
const UNITS_PER_CYCLE = 200;
const SOURCE_QUEUE = 'ccat_telescope_computer_raw_data_package_creation';

interface PackageRow {
  id: string;
  name: string;
  relativePath: string;
  sequence: number;
  size: number;
  fileCount: number;
  status: string;
  state: string;
  sourceLocationId: number;
  module: string;
  retryCount: number;
}

describe('RawDataPackageManager (real PostgreSQL and Redis)', () => {
  let db: TestDatabase;
  let ns: RedisNamespace;
  let stage: StageModuleHarness;
  let ds: DataSource;
  let manager: RawDataPackageManager;
  let queues: TaskQueueService;
  let graceMs: number;
  let primecam: number;
  let siteId: number;
  let sourceId: number;
  const modules: Record<string, number> = {};

  const sha256 = () => createHash('sha256').update(randomBytes(16)).digest('hex');

  const newUnit = async (finished: boolean): Promise<string> => {
    return insertObsUnit(ds, {
      obsUnit: 'deep_field_3',
      startedAt: new Date(Date.now() - 3 * 3600_000),
      finished,
    });
  };

  /** Registers files of `sizes` bytes, named `<tag><nn>.fits` so that path order is the order given. */
  const addFiles = async (
    unitId: string,
    module: string,
    sizes: number[],
    { tag = 'f', location = sourceId }: { tag?: string; location?: number } = {},
  ): Promise<string[]> => {
    const ids: string[] = [];
    for (const [i, size] of sizes.entries()) {
      ids.push(
        await insertRawDataFile(ds, {
          unit: unitId,
          path: `primecam/${unitId}/${module}/${tag}${String(i + 1).padStart(2, '0')}.fits`,
          size,
          sha256: sha256(),
          module,
          source: location,
        }),
      );
    }
    return ids;
  };

  const packagesOf = (unitId: string): Promise<PackageRow[]> =>
    ds.query(
      `SELECT p.id, p.name, p.relative_path AS "relativePath", p.sequence, p.size::int AS size,
              p.file_count AS "fileCount", p.status, p.state, p.source_location_id AS "sourceLocationId",
              im.name AS module, p.retry_count AS "retryCount"
         FROM raw_data_package p JOIN instrument_module im ON im.id = p.instrument_module_id
        WHERE p.executed_obs_unit_id = $1
        ORDER BY im.name, p.sequence`,
      [unitId],
    );

  /** The ids of a package's files, in path order. */
  const filesOf = async (packageId: string): Promise<string[]> =>
    (
      await ds.query(`SELECT id FROM raw_data_file WHERE raw_data_package_id = $1 ORDER BY relative_path`, [
        packageId,
      ])
    ).map((r: { id: string }) => r.id);

  const unpackagedOf = async (unitId: string): Promise<number> =>
    (
      await ds.query(
        `SELECT count(*)::int AS n FROM raw_data_file WHERE executed_obs_unit_id = $1 AND raw_data_package_id IS NULL`,
        [unitId],
      )
    )[0].n;

  const waitingJobs = () => queues.queue(SOURCE_QUEUE).getJobs(['waiting', 'prioritized', 'delayed']);

  beforeAll(async () => {
    db = await createTestDatabase();
    applyDemoTopology(db.url);
    ns = redisNamespace();
    // Stage 1's Nest module as the worker wires it, with this test's grace and package size.
    stage = await startStageModule(
      { DATABASE_URL: db.url, ...ns.env, OBS_UNIT_GRACE: GRACE, RAW_PACKAGE_MAX_BYTES: String(MAX_BYTES) },
      [PackagesModule],
    );
    const moduleRef = stage.moduleRef;
    ds = moduleRef.get(DataSource);
    manager = moduleRef.get(RawDataPackageManager);
    queues = moduleRef.get(TaskQueueService);
    const config = moduleRef.get<ConfigService<Environment, true>>(ConfigService);
    graceMs = config.get('OBS_UNIT_GRACE', { infer: true });
    expect(graceMs).toBe(3_600_000);
    expect(config.get('RAW_PACKAGE_MAX_BYTES', { infer: true })).toBe(MAX_BYTES);

    [{ id: primecam }] = await ds.query(`SELECT id FROM instrument WHERE name = 'primecam'`);
    for (const { id, name } of await ds.query(
      `SELECT id, name FROM instrument_module WHERE instrument_id = $1`,
      [primecam],
    ))
      modules[name] = id;
    [{ id: sourceId, site_id: siteId }] = await ds.query(
      `SELECT l.id, l.site_id FROM data_location l JOIN site s ON s.id = l.site_id
        WHERE s.short_name = 'ccat' AND l.name = 'telescope_computer' AND l.location_type = 'source'`,
    );
    expect(Object.keys(modules).sort()).toEqual(['pcam_280', 'pcam_350']);
  });

  afterAll(async () => {
    await stage?.close();
    await ns?.cleanup();
    await db?.drop();
  });

  it('packages a finished unit: one package per module, its files assigned, scheduled, at the source', async () => {
    const unit = await newUnit(true);
    const f280 = await addFiles(unit, 'pcam_280', [100, 200, 300]);
    const f350 = await addFiles(unit, 'pcam_350', [150, 250]);

    expect(await manager.runCycle()).toEqual({ packagesCreated: 2, enqueued: 2 });

    const [p280, p350] = await packagesOf(unit);
    expect(await packagesOf(unit)).toHaveLength(2);
    expect(p280).toMatchObject({
      name: `${unit}_pcam_280_001`,
      relativePath: `primecam/${unit}/${unit}_pcam_280_001.tar`,
      sequence: 1,
      size: 600,
      fileCount: 3,
      status: 'scheduled',
      state: 'waiting',
      sourceLocationId: sourceId,
      module: 'pcam_280',
    });
    expect(p350).toMatchObject({
      name: `${unit}_pcam_350_001`,
      relativePath: `primecam/${unit}/${unit}_pcam_350_001.tar`,
      sequence: 1,
      size: 400,
      fileCount: 2,
      status: 'scheduled',
      sourceLocationId: sourceId,
      module: 'pcam_350',
    });
    expect(await filesOf(p280.id)).toEqual(f280);
    expect(await filesOf(p350.id)).toEqual(f350);
    expect(await unpackagedOf(unit)).toBe(0);
  });

  it('leaves an unfinished unit with recent files alone, and packages it once its newest file is older than the grace', async () => {
    const unit = await newUnit(false);
    const files = await addFiles(unit, 'pcam_280', [100, 100]);

    expect(await manager.runCycle()).toEqual({ packagesCreated: 0, enqueued: 0 });
    expect(await packagesOf(unit)).toEqual([]);

    // Just inside the grace: still waiting for its finish.
    await ds.query(`UPDATE raw_data_file SET created_at = now() - interval '59 minutes' WHERE id = ANY($1)`, [
      files,
    ]);
    expect(await manager.createPackages()).toBe(0);

    // The oldest file is long past the grace, but the newest is not: the unit is still being written.
    await ds.query(`UPDATE raw_data_file SET created_at = now() - interval '2 hours' WHERE id = $1`, [
      files[0],
    ]);
    expect(await manager.createPackages()).toBe(0);
    expect(await packagesOf(unit)).toEqual([]);
    expect(await unpackagedOf(unit)).toBe(2);

    // The newest file is past the grace too: the finish is not coming, the unit ships without it.
    await ds.query(`UPDATE raw_data_file SET created_at = now() - interval '61 minutes' WHERE id = $1`, [
      files[1],
    ]);
    expect(await manager.runCycle()).toEqual({ packagesCreated: 1, enqueued: 1 });
    const [pkg] = await packagesOf(unit);
    expect(await packagesOf(unit)).toHaveLength(1);
    expect(pkg).toMatchObject({ sequence: 1, size: 200, fileCount: 2, status: 'scheduled' });
    expect(await filesOf(pkg.id)).toEqual(files);
  });

  it('splits at RAW_PACKAGE_MAX_BYTES: five files of 400 bytes under a 1000-byte limit make packages of 2, 2 and 1', async () => {
    const unit = await newUnit(true);
    const files = await addFiles(unit, 'pcam_280', [400, 400, 400, 400, 400]);

    expect(await manager.runCycle()).toEqual({ packagesCreated: 3, enqueued: 3 });

    const packages = await packagesOf(unit);
    expect(packages.map((p) => [p.sequence, p.fileCount, p.size])).toEqual([
      [1, 2, 800],
      [2, 2, 800],
      [3, 1, 400],
    ]);
    expect(packages.map((p) => p.name)).toEqual([1, 2, 3].map((s) => `${unit}_pcam_280_00${s}`));
    expect(await Promise.all(packages.map((p) => filesOf(p.id)))).toEqual([
      files.slice(0, 2),
      files.slice(2, 4),
      files.slice(4),
    ]);
    for (const p of packages) expect(p.size).toBeLessThanOrEqual(MAX_BYTES);
  });

  it('puts a file larger than the limit in a package of its own', async () => {
    const unit = await newUnit(true);
    const files = await addFiles(unit, 'pcam_280', [300, 1500, 300, 600]);

    expect(await manager.createPackages()).toBe(3);

    const packages = await packagesOf(unit);
    expect(packages.map((p) => [p.sequence, p.fileCount, p.size])).toEqual([
      [1, 1, 300],
      [2, 1, 1500],
      [3, 2, 900],
    ]);
    expect(await Promise.all(packages.map((p) => filesOf(p.id)))).toEqual([
      [files[0]],
      [files[1]],
      [files[2], files[3]],
    ]);
    for (const p of packages) expect(p.size <= MAX_BYTES || p.fileCount === 1).toBe(true);
    await manager.enqueuePending();
  });

  it('gives files registered after their unit was packaged a new package, leaving the earlier one untouched', async () => {
    const unit = await newUnit(true);
    // f01 and f03 now; f02 and f04 later: they sort between the first ones, and fit in its 800 spare bytes.
    const early = [
      ...(await addFiles(unit, 'pcam_280', [100], { tag: 'f01-' })),
      ...(await addFiles(unit, 'pcam_280', [100], { tag: 'f03-' })),
    ];
    await manager.runCycle();
    const [first] = await packagesOf(unit);
    expect(first).toMatchObject({ sequence: 1, fileCount: 2, size: 200, status: 'scheduled' });

    const late = [
      ...(await addFiles(unit, 'pcam_280', [50], { tag: 'f02-' })),
      ...(await addFiles(unit, 'pcam_280', [70], { tag: 'f04-' })),
    ];
    expect(await manager.runCycle()).toEqual({ packagesCreated: 1, enqueued: 1 });

    const packages = await packagesOf(unit);
    expect(packages).toHaveLength(2);
    expect(packages[0]).toEqual(first);
    expect(await filesOf(first.id)).toEqual(early);
    expect(packages[1]).toMatchObject({
      name: `${unit}_pcam_280_002`,
      sequence: 2,
      fileCount: 2,
      size: 120,
      status: 'scheduled',
    });
    expect(await filesOf(packages[1].id)).toEqual(late);
  });

  it('enqueues one job per package on the source queue, once, and again without a duplicate after a crash', async () => {
    const unit = await newUnit(true);
    await addFiles(unit, 'pcam_280', [10]);
    await addFiles(unit, 'pcam_350', [20]);
    expect(await manager.runCycle()).toEqual({ packagesCreated: 2, enqueued: 2 });
    const mine = await packagesOf(unit);
    expect(mine.map((p) => p.status)).toEqual(['scheduled', 'scheduled']);

    expect(queueName('ccat', 'telescope_computer', OperationType.RAW_DATA_PACKAGE_CREATION)).toBe(
      SOURCE_QUEUE,
    );
    const queue = queues.queue(SOURCE_QUEUE);
    for (const p of mine) {
      const job = await queue.getJob(`raw_data_package_creation-${p.id}-a0`);
      expect(job).toBeDefined();
      expect(job?.name).toBe('raw_data_package_creation');
      expect(job?.data).toEqual({
        operation: 'raw_data_package_creation',
        entityId: p.id,
        locationId: sourceId,
        attempt: 0,
      });
    }

    // Every package this file has made so far has exactly one job, and there is no other job.
    const all: { id: string; retry_count: number }[] = await ds.query(
      `SELECT id, retry_count FROM raw_data_package`,
    );
    const expected = all
      .map((p) => jobId(OperationType.RAW_DATA_PACKAGE_CREATION, p.id, p.retry_count))
      .sort();
    const jobIds = async () => (await waitingJobs()).map((j) => j.id).sort();
    expect(await jobIds()).toEqual(expected);

    // Nothing is on any other queue of this namespace (the buffer's, the managers').
    const keys = await ns.redis.keys(`${ns.env.QUEUE_PREFIX}:*`);
    expect([...new Set(keys.map((k) => k.split(':')[1]))]).toEqual([SOURCE_QUEUE]);

    expect(await manager.enqueuePending()).toBe(0);
    expect(await jobIds()).toEqual(expected);

    // A crash between the enqueue and the status update leaves the package pending.
    const crashed = mine[0];
    const before = await queue.getJob(jobId(OperationType.RAW_DATA_PACKAGE_CREATION, crashed.id, 0));
    await ds.query(`UPDATE raw_data_package SET status = 'pending' WHERE id = $1`, [crashed.id]);
    expect(await manager.runCycle()).toEqual({ packagesCreated: 0, enqueued: 1 });
    expect((await packagesOf(unit))[0]).toMatchObject({ id: crashed.id, status: 'scheduled' });
    expect(await jobIds()).toEqual(expected);
    const after = await queue.getJob(jobId(OperationType.RAW_DATA_PACKAGE_CREATION, crashed.id, 0));
    expect(after?.timestamp).toBe(before?.timestamp);
    expect(await queue.count()).toBe(expected.length);
  });

  it('keeps the files of one unit and module at two source locations apart, each on its own queue', async () => {
    const [{ id: secondSource }] = await ds.query(
      `INSERT INTO data_location (site_id, name, location_type, storage_type, root_path)
       VALUES ($1, 'daq_computer', 'source', 'disk', '/tmp/ccat-test/daq') RETURNING id`,
      [siteId],
    );
    const unit = await newUnit(true);
    const atFirst = await addFiles(unit, 'pcam_280', [100, 100], { tag: 'a' });
    const atSecond = await addFiles(unit, 'pcam_280', [100, 100], { tag: 'b', location: secondSource });

    expect(await manager.runCycle()).toEqual({ packagesCreated: 2, enqueued: 2 });

    const packages = await packagesOf(unit);
    expect(packages.map((p) => [p.sequence, p.sourceLocationId, p.fileCount, p.size])).toEqual([
      [1, sourceId, 2, 200],
      [2, secondSource, 2, 200],
    ]);
    expect(await filesOf(packages[0].id)).toEqual(atFirst);
    expect(await filesOf(packages[1].id)).toEqual(atSecond);

    const id = (p: PackageRow) => jobId(OperationType.RAW_DATA_PACKAGE_CREATION, p.id, 0);
    const onFirst = await queues.queue(SOURCE_QUEUE).getJob(id(packages[0]));
    const onSecond = await queues
      .queue('ccat_daq_computer_raw_data_package_creation')
      .getJob(id(packages[1]));
    expect(onFirst?.data.locationId).toBe(sourceId);
    expect(onSecond?.data.locationId).toBe(secondSource);
    expect(await queues.queue(SOURCE_QUEUE).getJob(id(packages[1]))).toBeUndefined();
  });

  it('finds no work cheaply among 50,000 packaged files: no sequential scan of raw_data_file, a few ms', async () => {
    await manager.runCycle(); // whatever earlier tests left
    const unit = await newUnit(true);
    const { id: pkg } = await insertRawDataPackage(ds, unit, {
      relativePath: `primecam/${unit}/${unit}_pcam_280_001.tar`,
      source: sourceId,
      status: OperationStatus.COMPLETED,
      size: 20_000_000,
      fileCount: 50_000,
    });
    // Set-based, as a night's history is: 50,000 rows one by one through a factory would take minutes.
    await ds.query(
      `INSERT INTO raw_data_file
         (id, relative_path, size, sha256, executed_obs_unit_id, instrument_module_id, source_location_id,
          raw_data_package_id, created_at)
       SELECT gen_random_uuid(), 'history/' || g || '.fits', 400, md5(g::text) || md5(g::text), $1, $2, $3, $4,
              now() - interval '30 days' + g * interval '1 second'
         FROM generate_series(1, 50000) g`,
      [unit, modules.pcam_280, sourceId, pkg],
    );
    // History of finished units with no files left to package, and one unit being observed right now
    // (the 5,000 set-based, as above).
    await ds.query(
      `INSERT INTO executed_obs_unit (id, obs_unit, instrument_id, started_at, finished_at)
       SELECT gen_random_uuid(), 'history', $1, now() - interval '30 days', now() - interval '29 days'
         FROM generate_series(1, 5000)`,
      [primecam],
    );
    const open = await newUnit(false);
    await addFiles(open, 'pcam_350', [10, 10, 10]);
    await ds.query(`ANALYZE raw_data_file; ANALYZE executed_obs_unit; ANALYZE raw_data_package`);

    // The manager's own query, with EXPLAIN in front of it.
    let plan: { 'QUERY PLAN': string }[] = [];
    const explaining = {
      query: async (sql: string, params: unknown[]) =>
        (plan = await ds.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params)),
    } as unknown as EntityManager;
    await findReadyUnpackagedFiles(explaining, graceMs, UNITS_PER_CYCLE);
    const text = plan.map((r) => r['QUERY PLAN']).join('\n');
    console.log(`work-finding query, idle, 50,000 packaged files:\n${text}`);
    expect(text).toMatch(/ix_raw_data_file_unpackaged/);
    expect(text).not.toMatch(/Seq Scan on raw_data_file/);

    const timings: number[] = [];
    for (let i = 0; i < 6; i++) {
      const started = process.hrtime.bigint();
      expect(await manager.createPackages()).toBe(0);
      timings.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    const started = process.hrtime.bigint();
    expect(await manager.runCycle()).toEqual({ packagesCreated: 0, enqueued: 0 });
    const cycle = Number(process.hrtime.bigint() - started) / 1e6;
    const warm = timings.slice(1).sort((a, b) => a - b);
    console.log(
      `idle createPackages(): first ${timings[0].toFixed(2)} ms, then median ${warm[2].toFixed(2)} ms, ` +
        `max ${warm[4].toFixed(2)} ms; idle runCycle() ${cycle.toFixed(2)} ms`,
    );
    expect(Math.max(...timings)).toBeLessThan(200);
    expect(await unpackagedOf(open)).toBe(3);
  });
});
