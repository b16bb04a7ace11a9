import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DataSource } from 'typeorm';
import { markLost } from '../src/operations/consistency/lost-copies';
import { CopyRepairManager } from '../src/operations/consistency/copy-repair.manager';
import { ArchiveRetirementService } from '../src/pipeline/archive/retirement/archive-retirement.service';
import { TopologyService } from '../src/catalog/topology/topology.service';
import { CopyKind, CopyStatus } from '../src/catalog/physical-copies/physical-copy.states';
import { OperationType } from '../src/engine/queues/operation-type';
import { TaskQueueService } from '../src/engine/queues/task-queue.service';
import { OperationStatus } from '../src/engine/work/operation-status';
import { PackageState } from '../src/pipeline/packaging/raw-data-package.states';
import { insertObsUnit, insertRawDataPackage } from './support/factories';
import { DeletionStage } from './support/deletion-stage';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * Emptying a retiring archive, the one way bytes ever leave a long-term archive, rule by rule with the
 * deletion manager and worker in process against real PostgreSQL, Redis and disk. Cologne's old archive
 * (`old_lta`, on disk, its objects and sidecars really there) is retired while Cologne's `lta` takes new
 * copies; DELETION_MIN_LTA_SITES is 2. A copy there may go only when its package is safe at two sites
 * without it, Cologne holds it at `lta` too, and no transfer reads it.
 */
describe('retiring and emptying an archive location (PostgreSQL, Redis, disk)', () => {
  let stage: DeletionStage;
  let ds: DataSource;
  let dataRoot: string;
  let queues: TaskQueueService;
  let oldLta: number;
  const copies = () => stage.copies();
  const config = () => stage.config();
  const manager = () => stage.manager();
  const processor = () => stage.processor();
  const retirement = () => new ArchiveRetirementService(ds, new TopologyService(ds), config());
  const loc = (site: string, name: string) => stage.location(site, name);

  /** An archived package whose tar and sidecar lie in old_lta, with archive copies recorded at `also`. */
  const heldAtOldLta = async (also: [string, string][]) => {
    const unit = randomUUID();
    const bytes = randomBytes(4096);
    return ds.transaction(async (m) => {
      await insertObsUnit(m, { id: unit });
      const pkg = await insertRawDataPackage(m, unit, {
        status: OperationStatus.COMPLETED,
        state: PackageState.ARCHIVED,
        size: bytes.length,
        sha256: sha256(bytes),
        fileCount: 1,
      });
      const object = join(dataRoot, 'cologne', 'old_lta', pkg.relativePath);
      mkdirSync(dirname(object), { recursive: true });
      writeFileSync(object, bytes);
      writeFileSync(`${object}.json`, '{}');
      const at = async (site: string, name: string) => ({
        kind: CopyKind.RAW_DATA_PACKAGE,
        rawDataPackageId: pkg.id,
        locationId: await loc(site, name),
        relativePath: pkg.relativePath,
        size: bytes.length,
        sha256: sha256(bytes),
      });
      const rows = [await at('cologne', 'old_lta')];
      for (const [site, name] of also) rows.push(await at(site, name));
      const [copyId] = await copies().createCopies(m, rows, { actor: 'test' });
      return { packageId: pkg.id, path: pkg.relativePath, copyId, object };
    });
  };
  const status = async (copyId: string) =>
    (await ds.query(`SELECT status FROM physical_copy WHERE id = $1`, [copyId]))[0].status as string;
  const archiveCopyAt = async (packageId: string, site: string, name: string): Promise<string> =>
    (
      await ds.query(`SELECT id FROM physical_copy WHERE raw_data_package_id = $1 AND location_id = $2`, [
        packageId,
        await loc(site, name),
      ])
    )[0].id;
  const deleteNow = (copyId: string) =>
    processor().handle({
      operation: OperationType.DELETION,
      entityId: copyId,
      locationId: oldLta,
      attempt: 0,
    });
  /** Runs the deletion manager, then the worker on every copy it scheduled at old_lta. */
  const emptyingCycle = async () => {
    await manager().runCycle();
    const scheduled: { id: string }[] = await ds.query(
      `SELECT id FROM physical_copy WHERE location_id = $1 AND status = 'deletion_scheduled'`,
      [oldLta],
    );
    for (const c of scheduled) await deleteNow(c.id);
    return scheduled.length;
  };

  let everywhere: Awaited<ReturnType<typeof heldAtOldLta>>;
  let notRehomed: Awaited<ReturnType<typeof heldAtOldLta>>;
  let oneSiteWithout: Awaited<ReturnType<typeof heldAtOldLta>>;
  let read: Awaited<ReturnType<typeof heldAtOldLta>>;

  beforeAll(async () => {
    stage = await DeletionStage.start();
    ({ ds, dataRoot, queues } = stage);
    [{ id: oldLta }] = await ds.query(
      `INSERT INTO data_location (site_id, name, location_type, storage_type, root_path)
       SELECT id, 'old_lta', 'long_term_archive', 'disk', $1 FROM site WHERE short_name = 'cologne' RETURNING id`,
      [join(dataRoot, 'cologne', 'old_lta')],
    );
    everywhere = await heldAtOldLta([
      ['cologne', 'lta'],
      ['us', 'lta'],
    ]);
    notRehomed = await heldAtOldLta([['us', 'lta']]);
    oneSiteWithout = await heldAtOldLta([['cologne', 'lta']]);
    read = await heldAtOldLta([
      ['cologne', 'lta'],
      ['us', 'lta'],
    ]);
    await ds.query(
      `INSERT INTO long_term_archive_transfer (raw_data_package_id, origin_location_id, destination_location_id)
       VALUES ($1, $2, $3)`,
      [read.packageId, oldLta, await loc('us', 'lta')],
    );
  });
  afterAll(() => stage?.stop());

  it('deletes nothing from an archive that is not retiring, whatever the rules find elsewhere', async () => {
    expect(await emptyingCycle()).toBe(0);
    await ds.transaction((m) =>
      copies().transition(everywhere.copyId, CopyStatus.DELETION_SCHEDULED, { actor: 'test' }, m),
    );
    await expect(deleteNow(everywhere.copyId)).resolves.toEqual({
      keptBecause: 'a long-term archive is deleted from only when it is retiring and being emptied',
    });
    expect(await status(everywhere.copyId)).toBe('present');
    expect(existsSync(everywhere.object)).toBe(true);
  });

  it('plans before retiring: each package that still needs the location, and why', async () => {
    const plan = await retirement().plan('cologne/old_lta');
    expect(plan).toMatchObject({ retiring: false, copies: 4, free: 1, dependentCount: 3 });
    const why = new Map(plan.dependents.map((d) => [d.path, d.reasons]));
    expect(why.get(notRehomed.path)).toEqual([
      'held safely at 1 site(s) without it, 2 needed',
      "not yet at cologne's other archive",
    ]);
    expect(why.get(oneSiteWithout.path)).toEqual(['held safely at 1 site(s) without it, 2 needed']);
    expect(why.get(read.path)).toEqual(['an archive transfer reads it']);
    await expect(retirement().empty('cologne/old_lta', 'test')).rejects.toThrow(
      /not retiring: retire it first/,
    );
    await expect(retirement().plan('cologne/buffer')).rejects.toThrow(/only a long-term archive retires/);
  });

  it('retires through the topology, then refuses to empty while anything depends on it, writing nothing', async () => {
    const plan = await retirement().retire('cologne/old_lta');
    expect(plan.retiring).toBe(true);
    await expect(retirement().empty('cologne/old_lta', 'test')).rejects.toThrow(
      /3 package copies .* still depend on it/,
    );
    const [row] = await ds.query(`SELECT emptying_requested_at FROM data_location WHERE id = $1`, [oldLta]);
    expect(row.emptying_requested_at).toBeNull();
    expect(await emptyingCycle()).toBe(0);
  });

  it('empties, once nothing depends on it, each copy after asking again, objects and sidecars both', async () => {
    // Re-homed at Cologne's lta, a second site, and the transfer done: nothing depends on old_lta any more.
    await ds.transaction(async (m) => {
      const to = async (pkg: typeof notRehomed, site: string) =>
        copies().createCopies(
          m,
          [
            {
              kind: CopyKind.RAW_DATA_PACKAGE,
              rawDataPackageId: pkg.packageId,
              locationId: await loc(site, 'lta'),
              relativePath: pkg.path,
              size: 4096,
              sha256: (await m.query(`SELECT sha256 FROM physical_copy WHERE id = $1`, [pkg.copyId]))[0]
                .sha256,
            },
          ],
          { actor: 'test' },
        );
      await to(notRehomed, 'cologne');
      await to(oneSiteWithout, 'us');
    });
    await ds.query(
      `UPDATE long_term_archive_transfer SET status = 'completed' WHERE origin_location_id = $1`,
      [oldLta],
    );
    const requested = await retirement().empty('cologne/old_lta', 'cli:test');
    expect(requested).toMatchObject({ dependentCount: 0, emptyingRequestedBy: 'cli:test' });

    // A counted copy elsewhere lost between the manager's decision and the worker's claim: that one stays.
    await manager().runCycle();
    expect(await status(everywhere.copyId)).toBe('deletion_scheduled');
    const usCopy = await archiveCopyAt(everywhere.packageId, 'us', 'lta');
    await ds.transaction((m) => markLost(m, { copyId: usCopy, reason: 'missing', detectedBy: 'check' }));
    await expect(deleteNow(everywhere.copyId)).resolves.toEqual({
      keptBecause: 'no deletion rule holds any more',
    });
    expect(await status(everywhere.copyId)).toBe('present');
    expect(existsSync(everywhere.object)).toBe(true);

    for (let i = 0; i < 3; i++) await emptyingCycle();
    for (const gone of [notRehomed, oneSiteWithout, read]) {
      expect(await status(gone.copyId)).toBe('deleted');
      expect(existsSync(gone.object)).toBe(false);
      expect(existsSync(`${gone.object}.json`)).toBe(false);
    }
    expect(await status(everywhere.copyId)).toBe('present');
    const events = await ds.query(
      `SELECT actor, reason FROM physical_copy_event WHERE physical_copy_id = $1 AND to_status = 'deletion_in_progress'`,
      [read.copyId],
    );
    expect(events[0].reason).toMatch(/rule: copy at a retiring archive being emptied/);
    // The archive copies elsewhere, and the count of sites, are untouched.
    const [pkg] = await ds.query(`SELECT lta_site_count FROM raw_data_package WHERE id = $1`, [
      read.packageId,
    ]);
    expect(pkg.lta_site_count).toBe(2);
    const plan = await retirement().plan('cologne/old_lta');
    expect(plan).toMatchObject({ copies: 1, removed: 3, dependentCount: 1 });
  });

  it('leaves the copy itself out of the count: where its site has no other archive, one other site is not enough', async () => {
    const cologneLta = await loc('cologne', 'lta');
    await ds.query(`UPDATE data_location SET active = false WHERE id = $1`, [cologneLta]);
    try {
      // Counted with itself, this package is at two sites (cologne, us): safe. Without it, at one.
      const lonely = await heldAtOldLta([['us', 'lta']]);
      const plan = await retirement().plan('cologne/old_lta');
      expect(plan.dependents.find((d) => d.path === lonely.path)?.reasons).toEqual([
        'held safely at 1 site(s) without it, 2 needed',
      ]);
      for (let i = 0; i < 2; i++) await emptyingCycle();
      expect(await status(lonely.copyId)).toBe('present');
      expect(existsSync(lonely.object)).toBe(true);
    } finally {
      await ds.query(`UPDATE data_location SET active = true WHERE id = $1`, [cologneLta]);
    }
  });

  it('writes no repair into a retiring archive: a copy lost there waits, re-homed instead', async () => {
    const lost = await heldAtOldLta([
      ['cologne', 'lta'],
      ['us', 'lta'],
    ]);
    await ds.transaction((m) => markLost(m, { copyId: lost.copyId, reason: 'missing', detectedBy: 'check' }));
    await new CopyRepairManager(ds, queues).runCycle();
    const repairs: { status: string; here: boolean }[] = await ds.query(
      `SELECT status, location_id = $1 AS here FROM copy_repair ORDER BY created_at`,
      [oldLta],
    );
    // The copy lost at us earlier is repaired there as usual; the one lost here waits.
    expect(repairs).toEqual([
      { status: 'scheduled', here: false },
      { status: 'pending', here: true },
    ]);
  });

  it('calls off the emptying when the topology takes the retirement back', async () => {
    await new TopologyService(ds).edit((doc) => {
      const cologne = doc.sites.find((s) => s.shortName === 'cologne')!;
      cologne.locations.find((l) => l.name === 'old_lta')!.retiring = false;
    });
    const [row] = await ds.query(`SELECT retiring, emptying_requested_at FROM data_location WHERE id = $1`, [
      oldLta,
    ]);
    expect(row).toEqual({ retiring: false, emptying_requested_at: null });
  });
});
