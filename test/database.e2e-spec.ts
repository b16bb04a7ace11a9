import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { DomainError } from '../src/engine/errors/domain-error';
import { OperationStatus } from '../src/engine/work/operation-status';
import { transitionRow } from '../src/engine/work/transition-row';
import { revertMigrations, runMigrations } from '../src/database/migrate';
import { MIGRATIONS } from '../src/database/migration-list';
import { typeOrmOptions } from '../src/database/typeorm-options';
import { RawDataPackage } from '../src/pipeline/packaging/raw-data-package.entity';
import {
  packageStateMachine,
  PackageState,
  rawDataPackageStatusMachine,
} from '../src/pipeline/packaging/raw-data-package.states';
import { declareCopyAuthor, PhysicalCopyService } from '../src/catalog/physical-copies/physical-copy.service';
import { CopyKind, CopyStatus } from '../src/catalog/physical-copies/physical-copy.states';
import { LIVE_COPY_TOTALS_SQL } from '../src/catalog/physical-copies/location-copy-totals.entity';
import { insertObsUnit, insertRawDataFile, seedSmallTopology, SmallTopology } from './support/factories';
import { createTestDatabase, TestDatabase } from './support/test-database';

describe('migrations', () => {
  let db: TestDatabase;
  let ds: DataSource;
  const tables = async () =>
    (await ds.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`)).map(
      (r: { tablename: string }) => r.tablename,
    );

  beforeAll(async () => {
    db = await createTestDatabase(null);
    ds = await new DataSource(typeOrmOptions(db.url)).initialize();
  });
  afterAll(async () => {
    await ds.destroy();
    await db.drop();
  });

  it('go up on an empty database, all the way down, and up again', async () => {
    const applied = await runMigrations(ds);
    expect(applied).toHaveLength(MIGRATIONS.length);
    expect(await tables()).toEqual(
      expect.arrayContaining([
        'raw_data_file',
        'raw_data_package',
        'physical_copy',
        'physical_copy_event',
        'api_token',
      ]),
    );
    expect(await runMigrations(ds)).toHaveLength(0);

    expect(await revertMigrations(ds, MIGRATIONS.length)).toBe(MIGRATIONS.length);
    expect(await tables()).toEqual(['migrations']);
    const types = await ds.query(
      `SELECT typname FROM pg_type WHERE typname IN ('copy_status', 'operation_status')`,
    );
    expect(types).toEqual([]);

    expect(await runMigrations(ds)).toHaveLength(MIGRATIONS.length);
  });

  it('leave the schema exactly as the entities describe it', async () => {
    const pending = await ds.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('give new copies time-ordered ids (UUIDv7 layout), so that they are written beside the last ones', async () => {
    const [{ a }] = await ds.query(`SELECT ccat_uuid_v7()::text AS a`);
    await ds.query(`SELECT pg_sleep(0.003)`);
    const [{ b, now }] = await ds.query(
      `SELECT ccat_uuid_v7()::text AS b, (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS now`,
    );
    for (const id of [a, b])
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a < b).toBe(true);
    // The first 48 bits are the milliseconds since the epoch at which it was made.
    const ms = parseInt(b.replace(/-/g, '').slice(0, 12), 16);
    expect(Math.abs(ms - now)).toBeLessThan(1000);
    const [{ column_default }] = await ds.query(
      `SELECT column_default FROM information_schema.columns WHERE table_name = 'physical_copy' AND column_name = 'id'`,
    );
    expect(column_default).toBe('ccat_uuid_v7()');
  });

  it('serialise two processes migrating at once', async () => {
    await revertMigrations(ds, MIGRATIONS.length);
    const other = await new DataSource(typeOrmOptions(db.url)).initialize();
    try {
      const [a, b] = await Promise.all([runMigrations(ds), runMigrations(other)]);
      expect(a.length + b.length).toBe(MIGRATIONS.length);
    } finally {
      await other.destroy();
    }
  });
});

describe('state machines and the audit trail (real PostgreSQL)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let topo: SmallTopology;
  let copies: PhysicalCopyService;

  const snapshot = async (copyId: string) => ({
    copy: (await ds.query(`SELECT status, updated_at FROM physical_copy WHERE id = $1`, [copyId]))[0],
    events: (
      await ds.query(`SELECT count(*)::int AS n FROM physical_copy_event WHERE physical_copy_id = $1`, [
        copyId,
      ])
    )[0].n,
  });

  const newFileCopy = async (): Promise<string> => {
    const unitId = randomUUID();
    const fileId = randomUUID();
    await insertObsUnit(ds, { id: unitId, obsUnit: 'u', finished: false });
    await insertRawDataFile(ds, {
      id: fileId,
      unit: unitId,
      path: `f/${fileId}`,
      size: 10,
      sha256: 'a'.repeat(64),
      module: topo.modules[0].id,
      source: topo.source.id,
    });
    const [id] = await ds.transaction((m) =>
      copies.createCopies(
        m,
        [
          {
            kind: CopyKind.RAW_DATA_FILE,
            rawDataFileId: fileId,
            locationId: topo.source.id,
            relativePath: `f/${fileId}`,
            size: 10,
            sha256: 'a'.repeat(64),
          },
        ],
        { actor: 'test-process', reason: 'created by test' },
      ),
    );
    return id;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = await new DataSource(typeOrmOptions(db.url)).initialize();
    topo = await seedSmallTopology(ds);
    copies = new PhysicalCopyService(ds);
  });
  afterAll(async () => {
    await ds.destroy();
    await db.drop();
  });

  it('walks a copy through deletion, one event per change with actor and reason', async () => {
    const id = await newFileCopy();
    const walk = [CopyStatus.DELETION_SCHEDULED, CopyStatus.DELETION_IN_PROGRESS, CopyStatus.DELETED];
    for (const to of walk)
      await copies.transition(id, to, { actor: 'worker-ccat-h-1', reason: `step ${to}` });
    const history = await copies.history(id);
    expect(history.map((e) => [e.fromStatus, e.toStatus, e.actor])).toEqual([
      [null, 'present', 'test-process'],
      ['present', 'deletion_scheduled', 'worker-ccat-h-1'],
      ['deletion_scheduled', 'deletion_in_progress', 'worker-ccat-h-1'],
      ['deletion_in_progress', 'deleted', 'worker-ccat-h-1'],
    ]);
    expect(history[3].reason).toBe('step deleted');
  });

  it('keeps the live copies per location and status equal to the copies themselves, through every change', async () => {
    const direct = () =>
      ds.query(
        `SELECT location_id, status::text, count(*)::int AS copies, sum(size)::float8 AS bytes FROM physical_copy
          WHERE status <> 'deleted' GROUP BY 1, 2 ORDER BY 1, 2`,
      );
    const kept = () =>
      ds.query(
        `SELECT location_id, status::text, copies::int, bytes::float8 FROM (${LIVE_COPY_TOTALS_SQL}) t ORDER BY 1, 2`,
      );
    const ids = [await newFileCopy(), await newFileCopy(), await newFileCopy(), await newFileCopy()];
    expect(await kept()).toEqual(await direct());
    await copies.transition(ids[0], CopyStatus.DELETION_SCHEDULED, { actor: 'test' });
    await copies.transition(ids[1], CopyStatus.DELETION_SCHEDULED, { actor: 'test' });
    await copies.transition(ids[1], CopyStatus.DELETION_IN_PROGRESS, { actor: 'test' });
    await copies.transition(ids[1], CopyStatus.DELETED, { actor: 'test' });
    // A change of size, and an update that moves nothing a total counts.
    await ds.transaction(async (m) => {
      await declareCopyAuthor(m, { actor: 'test' });
      await m.query(`UPDATE physical_copy SET size = size + 5 WHERE id = $1`, [ids[2]]);
      await m.query(`UPDATE physical_copy SET verified_at = now() WHERE id = ANY($1::uuid[])`, [ids]);
    });
    expect(await kept()).toEqual(await direct());
    // Two writers at once, each its own statements: the sums still match.
    await Promise.all([
      newFileCopy(),
      newFileCopy(),
      copies.transition(ids[3], CopyStatus.DELETION_SCHEDULED, { actor: 'test' }),
    ]);
    expect(await kept()).toEqual(await direct());
  });

  it('refuses an illegal copy transition and changes nothing', async () => {
    const id = await newFileCopy();
    const before = await snapshot(id);
    await expect(copies.transition(id, CopyStatus.DELETED, { actor: 'x' })).rejects.toThrow(
      new DomainError('ILLEGAL_TRANSITION', 'PhysicalCopy cannot go from present to deleted'),
    );
    expect(await snapshot(id)).toEqual(before);
  });

  it('rolls back the status change when the event cannot be written (same transaction)', async () => {
    const id = await newFileCopy();
    const before = await snapshot(id);
    await expect(
      copies.transition(id, CopyStatus.DELETION_SCHEDULED, { actor: null as unknown as string }),
    ).rejects.toThrow();
    expect(await snapshot(id)).toEqual(before);
  });

  it('refuses to create a copy in a status a copy cannot be born in', async () => {
    await expect(
      ds.transaction((m) =>
        copies.createCopies(
          m,
          [
            {
              kind: CopyKind.RAW_DATA_FILE,
              rawDataFileId: randomUUID(),
              locationId: topo.source.id,
              relativePath: 'x',
              size: 1,
              sha256: 'b'.repeat(64),
              status: CopyStatus.DELETED,
            },
          ],
          { actor: 'x' },
        ),
      ),
    ).rejects.toThrow(/cannot be created as deleted/);
  });

  it('keeps the audit trail append-only', async () => {
    const id = await newFileCopy();
    await expect(
      ds.query(`UPDATE physical_copy_event SET actor = 'someone else' WHERE physical_copy_id = $1`, [id]),
    ).rejects.toThrow(/append-only/);
    await expect(
      ds.query(`DELETE FROM physical_copy_event WHERE physical_copy_id = $1`, [id]),
    ).rejects.toThrow(/append-only/);
  });

  it('has the database refuse a copy change that names no actor, and audit one that does', async () => {
    const id = await newFileCopy();
    const before = await snapshot(id);
    await expect(
      ds.query(`UPDATE physical_copy SET status = 'deletion_scheduled' WHERE id = $1`, [id]),
    ).rejects.toThrow(/changed without an actor/);
    expect(await snapshot(id)).toEqual(before);
    await ds.transaction(async (m) => {
      await m.query(
        `SELECT set_config('ccat.actor', 'operator-psql', true), set_config('ccat.reason', 'by hand', true)`,
      );
      await m.query(`UPDATE physical_copy SET status = 'deletion_scheduled' WHERE id = $1`, [id]);
    });
    const last = (await copies.history(id)).pop();
    expect([last?.fromStatus, last?.toStatus, last?.actor, last?.reason]).toEqual([
      'present',
      'deletion_scheduled',
      'operator-psql',
      'by hand',
    ]);
    await expect(ds.query(`DELETE FROM physical_copy WHERE id = $1`, [id])).rejects.toThrow(/never deleted/);
  });

  it('allows only one live copy of a file per location', async () => {
    const id = await newFileCopy();
    const [row] = await ds.query(`SELECT raw_data_file_id, location_id FROM physical_copy WHERE id = $1`, [
      id,
    ]);
    await expect(
      ds.transaction((m) =>
        copies.createCopies(
          m,
          [
            {
              kind: CopyKind.RAW_DATA_FILE,
              rawDataFileId: row.raw_data_file_id,
              locationId: row.location_id,
              relativePath: 'dup',
              size: 10,
              sha256: 'a'.repeat(64),
            },
          ],
          { actor: 'x' },
        ),
      ),
    ).rejects.toThrow(/uq_physical_copy_live_file/);
  });

  it('enforces the package status and lifecycle machines, leaving an illegally updated row untouched', async () => {
    const unitId = await insertObsUnit(ds, { obsUnit: 'p', finished: false });
    const pkg = await ds.getRepository(RawDataPackage).save({
      name: `pkg-${unitId}`,
      relativePath: `pkg-${unitId}.tar`,
      executedObsUnitId: unitId,
      instrumentModuleId: topo.modules[0].id,
      sourceLocationId: topo.source.id,
      sequence: 1,
    });
    await ds.transaction((m) =>
      transitionRow(
        m,
        RawDataPackage,
        pkg.id,
        'status',
        rawDataPackageStatusMachine,
        OperationStatus.SCHEDULED,
      ),
    );
    await expect(
      ds.transaction((m) =>
        transitionRow(
          m,
          RawDataPackage,
          pkg.id,
          'status',
          rawDataPackageStatusMachine,
          OperationStatus.COMPLETED,
          {
            claimedBy: 'worker-x',
          },
        ),
      ),
    ).rejects.toThrow('RawDataPackage cannot go from scheduled to completed');
    await expect(
      ds.transaction((m) =>
        transitionRow(m, RawDataPackage, pkg.id, 'state', packageStateMachine, PackageState.WAITING),
      ),
    ).rejects.toThrow(/cannot go from waiting to waiting/);
    const row = await ds.getRepository(RawDataPackage).findOneByOrFail({ id: pkg.id });
    expect([row.status, row.state, row.claimedBy]).toEqual([
      OperationStatus.SCHEDULED,
      PackageState.WAITING,
      null,
    ]);
  });
});
