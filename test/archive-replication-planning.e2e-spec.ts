import { DataSource } from 'typeorm';
import { PhysicalCopyService } from '../src/catalog/physical-copies/physical-copy.service';
import { CopyKind, CopyStatus } from '../src/catalog/physical-copies/physical-copy.states';
import { OperationStatus } from '../src/engine/work/operation-status';
import { ArchiveReplicationManager } from '../src/pipeline/archive/archive-replication.manager';
import { findMissingArchiveCopies } from '../src/pipeline/archive/archive-replication.queries';
import { LongTermArchiveModule } from '../src/pipeline/archive/long-term-archive.module';
import { DataTransferPackage } from '../src/pipeline/bundling/data-transfer-package.entity';
import { PackageState } from '../src/pipeline/packaging/raw-data-package.states';
import { insertObsUnit, insertRawDataPackage } from './support/factories';
import { applyDemoTopology, redisNamespace, RedisNamespace } from './support/processes';
import { StageModuleHarness, startStageModule } from './support/stage-module';
import { createTestDatabase, TestDatabase } from './support/test-database';

const SIZE = 1000;
/** Two packages and a half a day: the third waits for tomorrow. */
const BYTES_PER_DAY = 2.5 * SIZE;
const author = { actor: 'test', reason: 'made by the test' };

/**
 * What the archive replication manager plans, on real rows (PostgreSQL, Redis), without processes: which
 * packages count as missing at a site, where each is copied from, and the daily cap per destination.
 */
describe('archive replication planning (PostgreSQL, Redis)', () => {
  let db: TestDatabase;
  let ns: RedisNamespace;
  let stage: StageModuleHarness;
  let ds: DataSource;
  let manager: ArchiveReplicationManager;
  let cologneLta: number;
  let usLta: number;
  const missing: string[] = [];
  let onItsWay: string;
  let lostAtUs: string;

  const archive = async (site: string) =>
    (
      await ds.query(
        `SELECT l.id FROM data_location l JOIN site s ON s.id = l.site_id WHERE s.short_name = $1 AND l.name = 'lta'`,
        [site],
      )
    )[0].id as number;

  /** An archived package with a verified copy in Cologne's archive. */
  const archivedAtCologne = async (unit: string, n: number, bundle?: string) => {
    const p = await insertRawDataPackage(ds, unit, {
      name: `pkg_${n}`,
      relativePath: `primecam/${unit}/pkg_${n}.tar`,
      sequence: n,
      status: OperationStatus.COMPLETED,
      state: PackageState.ARCHIVED,
      size: SIZE,
      sha256: String(n).repeat(64).slice(0, 64),
      dataTransferPackageId: bundle,
    });
    const copies = stage.moduleRef.get(PhysicalCopyService);
    await ds.transaction(async (m) => {
      await copies.createCopies(
        m,
        [
          {
            kind: CopyKind.RAW_DATA_PACKAGE,
            rawDataPackageId: p.id,
            locationId: cologneLta,
            relativePath: p.relativePath,
            size: SIZE,
            sha256: String(n).repeat(64).slice(0, 64),
          },
        ],
        author,
      );
    });
    return p;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    ns = redisNamespace();
    applyDemoTopology(db.url, {
      COLOGNE_LTA_DATA_URL: 'http://127.0.0.1:9/data/cologne/lta',
      US_LTA_DATA_URL: 'http://127.0.0.1:9/data/us/lta',
    });
    stage = await startStageModule(
      { DATABASE_URL: db.url, ...ns.env, REPLICATION_BYTES_PER_DAY: String(BYTES_PER_DAY) },
      [LongTermArchiveModule],
    );
    ds = stage.moduleRef.get(DataSource);
    manager = stage.moduleRef.get(ArchiveReplicationManager);
    cologneLta = await archive('cologne');
    usLta = await archive('us');
    const unit = await insertObsUnit(ds);
    for (let n = 1; n <= 4; n++) missing.push((await archivedAtCologne(unit, n)).id);
    const [bundle] = await ds.getRepository(DataTransferPackage).save([
      {
        name: 'bundle_on_its_way',
        relativePath: 'transfer/b.tar',
        originLocationId: cologneLta,
        size: SIZE,
        packageCount: 1,
      },
    ]);
    onItsWay = (await archivedAtCologne(unit, 5, bundle.id)).id;
    const lost = await archivedAtCologne(unit, 6);
    lostAtUs = lost.id;
    const copies = stage.moduleRef.get(PhysicalCopyService);
    await ds.transaction(async (m) => {
      const [id] = await copies.createCopies(
        m,
        [
          {
            kind: CopyKind.RAW_DATA_PACKAGE,
            rawDataPackageId: lost.id,
            locationId: usLta,
            relativePath: lost.relativePath,
            size: SIZE,
            sha256: '6'.repeat(64),
          },
        ],
        author,
      );
      await copies.transition(id, CopyStatus.LOST, author, m);
    });
  }, 60_000);
  afterAll(async () => {
    await stage?.close();
    await ns?.cleanup();
    await db?.drop();
  });

  it('counts as missing at the US archive only packages the buffer path is done with and no copy there stands for', async () => {
    const found = await findMissingArchiveCopies(ds.manager, 100);
    expect(found.map((c) => c.packageId).sort()).toEqual([...missing].sort());
    expect(found.every((c) => c.destinationId === usLta)).toBe(true);
    expect(found.map((c) => c.packageId)).not.toContain(onItsWay);
    expect(found.map((c) => c.packageId)).not.toContain(lostAtUs);
  });

  it('plans nothing from an archive that publishes no dataUrl: the other site holds no key to it', async () => {
    await ds.query(`UPDATE data_location SET data_url = NULL WHERE id = $1`, [cologneLta]);
    const cycle = await manager.runCycle();
    await ds.query(
      `UPDATE data_location SET data_url = 'http://127.0.0.1:9/data/cologne/lta' WHERE id = $1`,
      [cologneLta],
    );
    expect(cycle).toMatchObject({ missing: 4, planned: 0, unreachable: 2, heldBack: 2 });
  });

  it('plans two packages from Cologne into the US archive, and holds the others back by the daily cap', async () => {
    expect(await manager.runCycle()).toMatchObject({ missing: 4, planned: 2, heldBack: 2, unreachable: 0 });
    const planned: { origin: number; status: string }[] = await ds.query(
      `SELECT origin_location_id AS origin, status FROM long_term_archive_transfer WHERE destination_location_id = $1`,
      [usLta],
    );
    expect(planned).toEqual([
      { origin: cologneLta, status: OperationStatus.PENDING },
      { origin: cologneLta, status: OperationStatus.PENDING },
    ]);
  });

  it('plans no more into that site the same day, and never plans a package twice', async () => {
    expect(await manager.runCycle()).toMatchObject({ missing: 2, planned: 0, heldBack: 2 });
    const [{ n }] = await ds.query(
      `SELECT count(*)::int AS n FROM long_term_archive_transfer WHERE destination_location_id = $1`,
      [usLta],
    );
    expect(n).toBe(2);
  });

  it('counts what a mirror added to Cologne after the history lacks, each package its own, and not a failover’s', async () => {
    const [{ id: tape }] = await ds.query(
      `INSERT INTO data_location (site_id, name, location_type, storage_type, root_path)
       SELECT id, 'lta_tape', 'long_term_archive', 'disk', '/tmp/ccat-planning-lta-tape' FROM site WHERE short_name = 'cologne'
       RETURNING id`,
    );
    // The history is at both sites now: only the new mirror lacks it (no site does).
    await ds.transaction((m) =>
      stage.moduleRef.get(PhysicalCopyService).createCopies(
        m,
        missing.map((id, i) => ({
          kind: CopyKind.RAW_DATA_PACKAGE,
          rawDataPackageId: id,
          locationId: usLta,
          relativePath: `copy_${i}.tar`,
          size: SIZE,
          sha256: String(i + 1).repeat(64).slice(0, 64),
        })),
        author,
      ),
    );
    const [{ sites }] = await ds.query(
      `SELECT array_agg(DISTINCT lta_site_count) AS sites FROM raw_data_package WHERE id = ANY($1::uuid[])`,
      [missing],
    );
    expect(sites).toEqual([2]);
    try {
      const atTape = async () =>
        (await findMissingArchiveCopies(ds.manager, 100)).filter((c) => c.destinationId === tape);
      // Every archived package whose bundle is settled; the site's other mirror holding it does not stand for this one.
      expect((await atTape()).map((c) => c.packageId).sort()).toEqual([...missing, lostAtUs].sort());
      await ds.query(`UPDATE data_location SET archive_role = 'failover' WHERE id = $1`, [tape]);
      // A failover shares the site's failover copy: the mirror's does not count, so it still lacks them all.
      expect(await atTape()).toHaveLength(missing.length + 1);
      // Now both are failovers, the new one first by priority: the copies at lta stand for the pair.
      await ds.query(`UPDATE data_location SET archive_role = 'failover', priority = 2 WHERE id = $1`, [
        cologneLta,
      ]);
      expect(await atTape()).toEqual([]);
    } finally {
      await ds.query(`UPDATE data_location SET archive_role = 'mirror', priority = 1 WHERE id = $1`, [
        cologneLta,
      ]);
      await ds.query(`UPDATE data_location SET active = false WHERE id = $1`, [tape]);
    }
  });
});
