import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DataSource } from 'typeorm';
import { markLost } from '../src/operations/consistency/lost-copies';
import { DeletionSwitchService } from '../src/pipeline/deletion/deletion-switch.service';
import { PhysicalCopyService } from '../src/catalog/physical-copies/physical-copy.service';
import { CopyKind, CopyStatus } from '../src/catalog/physical-copies/physical-copy.states';
import { OperationType } from '../src/engine/queues/operation-type';
import { cli } from './support/processes';
import { insertObsUnit, insertRawDataFile, insertRawDataPackage } from './support/factories';
import { DeletionStage } from './support/deletion-stage';
import { OperationStatus } from '../src/engine/work/operation-status';
import { PackageState } from '../src/pipeline/packaging/raw-data-package.states';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * Stage 7's rules one by one, the negative ones included, with the deletion manager and worker in process
 * against real PostgreSQL, Redis and disk: rows are set up as the pipeline leaves them, and the bytes the
 * rows name are really on disk.
 */
describe('deletion rules (PostgreSQL, Redis, disk)', () => {
  let stage: DeletionStage;
  let ds: DataSource;
  let dataRoot: string;
  const db = {
    get url() {
      return stage.db.url;
    },
  };
  const copies = () => stage.copies();
  const switchService = () => new DeletionSwitchService(ds);
  const manager = (over: Record<string, unknown> = {}) => stage.manager(over);
  const processor = (over: Record<string, unknown> = {}) => stage.processor(over);
  const loc = (site: string, name: string) => stage.location(site, name);
  const record = (m: DataSource['manager'], c: Parameters<PhysicalCopyService['createCopies']>[1]) =>
    copies().createCopies(m, c, { actor: 'test' });

  /** An archived package of one file, the file on the instrument disk, with `lta` verified archive copies. */
  const archivedFile = async (lta: number) => {
    const unit = randomUUID();
    const path = `primecam/${unit}/pcam_280/scan_0.fits`;
    const bytes = randomBytes(3000);
    const full = join(dataRoot, 'ccat', 'telescope_computer', path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, bytes);
    return ds.transaction(async (m) => {
      await insertObsUnit(m, { id: unit });
      const source = await loc('ccat', 'telescope_computer');
      const pkg = await insertRawDataPackage(m, unit, {
        status: OperationStatus.COMPLETED,
        state: PackageState.ARCHIVED,
        size: 10240,
        sha256: 'b'.repeat(64),
        fileCount: 1,
      });
      const file = { id: await insertRawDataFile(m, { unit, path, bytes, packageId: pkg.id }) };
      const [sourceCopy] = await record(m, [
        {
          kind: CopyKind.RAW_DATA_FILE,
          rawDataFileId: file.id,
          locationId: source,
          relativePath: path,
          size: bytes.length,
          sha256: sha256(bytes),
        },
      ]);
      for (const site of ['cologne', 'us'].slice(0, lta)) await addArchiveCopy(m, pkg.id, site);
      return { packageId: pkg.id as string, fileId: file.id as string, sourceCopy, full, path };
    });
  };
  const addArchiveCopy = async (m: DataSource['manager'], packageId: string, site: string) =>
    record(m, [
      {
        kind: CopyKind.RAW_DATA_PACKAGE,
        rawDataPackageId: packageId,
        locationId: await loc(site, 'lta'),
        relativePath: `archive/${packageId}.tar`,
        size: 10240,
        sha256: 'b'.repeat(64),
      },
    ]);
  const status = async (copyId: string) =>
    (await ds.query(`SELECT status FROM physical_copy WHERE id = $1`, [copyId]))[0].status as string;
  const history = async (copyId: string) =>
    (await ds.query(
      `SELECT to_status, reason FROM physical_copy_event WHERE physical_copy_id = $1 ORDER BY id`,
      [copyId],
    )) as { to_status: string; reason: string }[];
  const deleteNow = (copyId: string, locationId: number, over: Record<string, unknown> = {}) =>
    processor(over).handle({ operation: OperationType.DELETION, entityId: copyId, locationId, attempt: 0 });

  beforeAll(async () => {
    stage = await DeletionStage.start();
    ({ ds, dataRoot } = stage);
  });
  afterAll(() => stage?.stop());

  it('keeps a source file while its package has one verified LTA copy of two, and lets it go at two', async () => {
    const f = await archivedFile(1);
    const source = await loc('ccat', 'telescope_computer');
    await manager().runCycle();
    expect(await status(f.sourceCopy)).toBe('present');
    expect(cli(['deletion', 'plan'], { DATABASE_URL: db.url })).not.toContain(f.path);

    await ds.transaction((m) => addArchiveCopy(m, f.packageId, 'us'));
    const plan = cli(['deletion', 'plan', '--location', 'ccat_telescope_computer'], { DATABASE_URL: db.url });
    expect(plan).toContain(f.path);
    expect(plan).toContain('source file whose package is safe at enough archive sites');
    expect(plan).toMatch(/cologne, us/); // the sites that hold its package
    expect(existsSync(f.full)).toBe(true); // the plan changed nothing

    expect(await manager().runCycle()).toMatchObject({ scheduled: 1 });
    expect(await status(f.sourceCopy)).toBe('deletion_scheduled');
    await expect(deleteNow(f.sourceCopy, source)).resolves.toMatchObject({ deleted: f.path });
    expect(existsSync(f.full)).toBe(false);
    expect((await history(f.sourceCopy)).map((e) => e.to_status)).toEqual([
      'present',
      'deletion_scheduled',
      'deletion_in_progress',
      'deleted',
    ]);
  });

  it('marks an archived package released once none of its files is left at SOURCE, and not before', async () => {
    const released = async (packageId: string) =>
      (await ds.query(`SELECT source_released_at FROM raw_data_package WHERE id = $1`, [packageId]))[0]
        .source_released_at as Date | null;
    const source = await loc('ccat', 'telescope_computer');
    const f = await archivedFile(2);
    // Scheduled in this cycle, so still live at SOURCE: held.
    expect(await manager().runCycle()).toMatchObject({ scheduled: 1 });
    expect(await released(f.packageId)).toBeNull();
    await deleteNow(f.sourceCopy, source);
    expect(await manager().runCycle()).toMatchObject({ scheduled: 0, sourceReleased: 1 });
    expect(await released(f.packageId)).toBeInstanceOf(Date);
    // A package still waiting for its second archive copy is held, whatever the cycles before did.
    const g = await archivedFile(1);
    await manager().runCycle();
    expect(await released(g.packageId)).toBeNull();
    expect(await status(g.sourceCopy)).toBe('present');
  });

  it('re-checks the rule when the worker claims the deletion, and keeps the copy if it no longer holds', async () => {
    const f = await archivedFile(2);
    await manager().runCycle();
    expect(await status(f.sourceCopy)).toBe('deletion_scheduled');
    // Between scheduling and the claim the policy became stricter: three archive copies are needed now.
    await expect(
      deleteNow(f.sourceCopy, await loc('ccat', 'telescope_computer'), { DELETION_MIN_LTA_SITES: 3 }),
    ).resolves.toEqual({ keptBecause: 'no deletion rule holds any more' });
    expect(await status(f.sourceCopy)).toBe('present');
    expect(existsSync(f.full)).toBe(true);
  });

  it('holds every deletion while paused, also one scheduled before the pause, and resumes', async () => {
    const early = await archivedFile(2);
    await manager().runCycle();
    expect(await status(early.sourceCopy)).toBe('deletion_scheduled');
    cli(['deletion', 'pause', '--reason', 'checking the archives'], { DATABASE_URL: db.url });
    const late = await archivedFile(2);
    expect(await manager().runCycle()).toEqual({ paused: true });
    expect(await status(late.sourceCopy)).toBe('present');
    const source = await loc('ccat', 'telescope_computer');
    await expect(deleteNow(early.sourceCopy, source)).resolves.toEqual({
      keptBecause: 'deletion is paused (checking the archives)',
    });
    expect(await status(early.sourceCopy)).toBe('present');
    expect([existsSync(early.full), existsSync(late.full)]).toEqual([true, true]);
    expect(cli(['deletion', 'status'], { DATABASE_URL: db.url })).toMatch(/PAUSED .*checking the archives/);

    cli(['deletion', 'resume'], { DATABASE_URL: db.url });
    expect(await manager().runCycle()).toMatchObject({ scheduled: 2 });
    for (const f of [early, late]) await deleteNow(f.sourceCopy, source);
    expect([existsSync(early.full), existsSync(late.full)]).toEqual([false, false]);
  });

  it('keeps copies for the retention of their location type, unless the location is over its disk threshold', async () => {
    const f = await archivedFile(2);
    await manager({ DELETION_RETENTION_SOURCE: 3_600_000 }).runCycle();
    expect(await status(f.sourceCopy)).toBe('present');
    const source = await loc('ccat', 'telescope_computer');
    // The test disk is more than 1 % full: the source is "over its threshold".
    await ds.query(`UPDATE data_location SET disk_usage_threshold_percent = 1 WHERE id = $1`, [source]);
    try {
      expect(await manager({ DELETION_RETENTION_SOURCE: 3_600_000 }).runCycle()).toMatchObject({
        scheduled: 1,
        pressured: 1,
      });
      expect(await status(f.sourceCopy)).toBe('deletion_scheduled');
    } finally {
      await ds.query(`UPDATE data_location SET disk_usage_threshold_percent = NULL WHERE id = $1`, [source]);
    }
    await deleteNow(f.sourceCopy, source);
  });

  it('frees a buffer package tar once archived and distributed, then its unpacked files (DELETION_POSSIBLE)', async () => {
    const f = await archivedFile(2);
    const buffer = await loc('ccat', 'buffer');
    const tar = join(dataRoot, 'ccat', 'buffer', `${f.packageId}.tar`);
    const unpacked = join(dataRoot, 'ccat', 'buffer', 'unpacked', f.path);
    mkdirSync(dirname(unpacked), { recursive: true });
    writeFileSync(tar, 'tar bytes');
    writeFileSync(unpacked, 'file bytes');
    const [packageCopy, fileCopy] = await ds.transaction(async (m) => {
      const [dtp] = await m.query(
        `INSERT INTO data_transfer_package (name, relative_path, origin_location_id, status, size, sha256, package_count, distributed_at)
         VALUES ($1, 'transfer/b.tar', $2, 'completed', 1, $3, 1, NULL) RETURNING id`,
        [`bundle_${f.packageId}`, buffer, 'c'.repeat(64)],
      );
      await m.query(`UPDATE raw_data_package SET data_transfer_package_id = $1 WHERE id = $2`, [
        dtp.id,
        f.packageId,
      ]);
      return record(m, [
        {
          kind: CopyKind.RAW_DATA_PACKAGE,
          rawDataPackageId: f.packageId,
          locationId: buffer,
          relativePath: `${f.packageId}.tar`,
          size: 9,
          sha256: 'd'.repeat(64),
        },
        {
          kind: CopyKind.RAW_DATA_FILE,
          rawDataFileId: f.fileId,
          locationId: buffer,
          relativePath: `unpacked/${f.path}`,
          size: 10,
          sha256: 'e'.repeat(64),
        },
      ]);
    });
    // Not yet distributed: another archive site may still need the bundle's packages.
    await manager().runCycle();
    expect(await status(packageCopy)).toBe('present');
    await ds.query(
      `UPDATE data_transfer_package SET distributed_at = now() WHERE id = (SELECT data_transfer_package_id FROM raw_data_package WHERE id = $1)`,
      [f.packageId],
    );
    await manager().runCycle();
    expect([await status(packageCopy), await status(fileCopy)]).toEqual(['deletion_scheduled', 'present']);
    await deleteNow(packageCopy, buffer);
    expect([await status(packageCopy), await status(fileCopy)]).toEqual([
      'deleted',
      CopyStatus.DELETION_POSSIBLE,
    ]);
    await manager().runCycle();
    await deleteNow(fileCopy, buffer);
    expect(await status(fileCopy)).toBe('deleted');
    expect([existsSync(tar), existsSync(unpacked)]).toEqual([false, false]);
    expect((await history(fileCopy)).map((e) => e.to_status)).toEqual([
      'present',
      'deletion_possible',
      'deletion_scheduled',
      'deletion_in_progress',
      'deleted',
    ]);
  });

  it('never deletes from a long-term archive, even a copy someone scheduled', async () => {
    const f = await archivedFile(2);
    const [lta] = await ds.query(
      `SELECT c.id, c.location_id FROM physical_copy c JOIN data_location l ON l.id = c.location_id
        WHERE c.raw_data_package_id = $1 AND l.location_type = 'long_term_archive' LIMIT 1`,
      [f.packageId],
    );
    await ds.transaction((m) =>
      copies().transition(lta.id, CopyStatus.DELETION_SCHEDULED, { actor: 'test' }, m),
    );
    await expect(deleteNow(lta.id, lta.location_id)).resolves.toEqual({
      keptBecause: 'a long-term archive is deleted from only when it is retiring and being emptied',
    });
    expect(await status(lta.id)).toBe('present');
  });

  /** The archive copy of `packageId` at `site`. */
  const archiveCopyAt = async (packageId: string, site: string): Promise<string> =>
    (
      await ds.query(
        `SELECT c.id FROM physical_copy c JOIN data_location l ON l.id = c.location_id JOIN site s ON s.id = l.site_id
          WHERE c.raw_data_package_id = $1 AND l.location_type = 'long_term_archive' AND s.short_name = $2`,
        [packageId, site],
      )
    )[0].id;
  const lose = (m: DataSource['manager'], copyId: string) =>
    markLost(m, { copyId, reason: 'missing', detectedBy: 'check', details: 'test' });

  it('counts sites, not copies: two archive copies at one site leave the source in place', async () => {
    const f = await archivedFile(1); // cologne/lta
    const [second] = await ds.query(
      `INSERT INTO data_location (site_id, name, location_type, storage_type, root_path)
       SELECT id, 'lta_tape', 'long_term_archive', 'disk', $1 FROM site WHERE short_name = 'cologne' RETURNING id`,
      [join(dataRoot, 'cologne', 'lta_tape')],
    );
    try {
      await ds.transaction((m) =>
        record(m, [
          {
            kind: CopyKind.RAW_DATA_PACKAGE,
            rawDataPackageId: f.packageId,
            locationId: second.id,
            relativePath: `archive/${f.packageId}.tar`,
            size: 10240,
            sha256: 'b'.repeat(64),
          },
        ]),
      );
      const [pkg] = await ds.query(`SELECT lta_site_count FROM raw_data_package WHERE id = $1`, [
        f.packageId,
      ]);
      expect(pkg.lta_site_count).toBe(1);
      for (let i = 0; i < 3; i++) await manager().runCycle();
      expect(await status(f.sourceCopy)).toBe('present');
      expect(existsSync(f.full)).toBe(true);
    } finally {
      await ds.query(`UPDATE data_location SET active = false WHERE id = $1`, [second.id]);
    }
  });

  it('sees an archive copy marked LOST before the claim, and keeps the source', async () => {
    const f = await archivedFile(2);
    await manager().runCycle();
    expect(await status(f.sourceCopy)).toBe('deletion_scheduled');
    await ds.transaction(async (m) => lose(m, await archiveCopyAt(f.packageId, 'us')));
    await expect(deleteNow(f.sourceCopy, await loc('ccat', 'telescope_computer'))).resolves.toEqual({
      keptBecause: 'no deletion rule holds any more',
    });
    expect(await status(f.sourceCopy)).toBe('present');
    expect(existsSync(f.full)).toBe(true);
  });

  it('waits for an archive copy being marked LOST while it claims, then keeps the source', async () => {
    const f = await archivedFile(2);
    await manager().runCycle();
    // The fixity audit marks the US copy lost in a transaction that has not committed yet.
    const fixity = ds.createQueryRunner();
    await fixity.connect();
    await fixity.startTransaction();
    let settled = false;
    try {
      await lose(fixity.manager, await archiveCopyAt(f.packageId, 'us'));
      const claim = deleteNow(f.sourceCopy, await loc('ccat', 'telescope_computer')).finally(() => {
        settled = true;
      });
      await new Promise((r) => setTimeout(r, 700));
      expect(settled).toBe(false); // blocked on the copy the claim wants to count
      await fixity.commitTransaction();
      await expect(claim).resolves.toEqual({ keptBecause: 'no deletion rule holds any more' });
    } finally {
      if (fixity.isTransactionActive) await fixity.rollbackTransaction();
      await fixity.release();
    }
    expect(await status(f.sourceCopy)).toBe('present');
    expect(existsSync(f.full)).toBe(true);
  });

  it('asks the rule and the pause switch again when a job is redelivered with its copy already in progress', async () => {
    const source = await loc('ccat', 'telescope_computer');
    const inProgress = async () => {
      const f = await archivedFile(2);
      await manager().runCycle();
      // The first try claimed it and died before removing the bytes.
      await ds.transaction((m) =>
        copies().transition(f.sourceCopy, CopyStatus.DELETION_IN_PROGRESS, { actor: 'test' }, m),
      );
      return f;
    };
    const lost = await inProgress();
    await ds.transaction(async (m) => lose(m, await archiveCopyAt(lost.packageId, 'cologne')));
    await expect(deleteNow(lost.sourceCopy, source)).resolves.toEqual({
      keptBecause: 'no deletion rule holds any more',
    });
    expect([await status(lost.sourceCopy), existsSync(lost.full)]).toEqual(['present', true]);

    const paused = await inProgress();
    await switchService().set(true, 'test', 'redelivery check');
    try {
      await expect(deleteNow(paused.sourceCopy, source)).resolves.toEqual({
        keptBecause: 'deletion is paused (redelivery check)',
      });
    } finally {
      await switchService().set(false, 'test');
    }
    expect([await status(paused.sourceCopy), existsSync(paused.full)]).toEqual(['present', true]);

    const fine = await inProgress();
    await expect(deleteNow(fine.sourceCopy, source)).resolves.toMatchObject({
      deleted: fine.path,
      rule: expect.stringMatching(/asked again after a redelivery/),
    });
    expect([await status(fine.sourceCopy), existsSync(fine.full)]).toEqual(['deleted', false]);

    // The first try removed the bytes before it died, and the rule no longer holds: the record tells the truth.
    const gone = await inProgress();
    rmSync(gone.full);
    await ds.transaction(async (m) => lose(m, await archiveCopyAt(gone.packageId, 'us')));
    await expect(deleteNow(gone.sourceCopy, source)).resolves.toEqual({
      skipped: 'bytes already removed by an earlier try',
    });
    expect(await status(gone.sourceCopy)).toBe('deleted');
  });

  it('asks the archives for presence checks when the counted copies were last shown long ago, and waits for them', async () => {
    const f = await archivedFile(2);
    await ds.transaction(async (m) => {
      await m.query(`SELECT set_config('ccat.actor', 'test', true)`);
      await m.query(
        `UPDATE physical_copy SET verified_at = now() - interval '1 hour' WHERE raw_data_package_id = $1`,
        [f.packageId],
      );
    });
    expect(await manager().runCycle()).toMatchObject({ scheduled: 0, awaitingWitness: 1, witnessChecks: 2 });
    expect(await status(f.sourceCopy)).toBe('present');
    const checks = await ds.query(
      `SELECT depth, status FROM fixity_check WHERE copy_id IN
         (SELECT id FROM physical_copy WHERE raw_data_package_id = $1) ORDER BY 1`,
      [f.packageId],
    );
    expect(checks).toEqual([
      { depth: 'presence', status: 'scheduled' },
      { depth: 'presence', status: 'scheduled' },
    ]);
    // Asked again in the next cycle: not planned twice while open.
    expect(await manager().runCycle()).toMatchObject({ scheduled: 0, witnessChecks: 0 });
    // The archives answered (as their workers' presence checks record it): the source may go.
    await ds.transaction(async (m) => {
      await m.query(`SELECT set_config('ccat.actor', 'test', true)`);
      await m.query(`UPDATE physical_copy SET confirmed_at = now() WHERE raw_data_package_id = $1`, [
        f.packageId,
      ]);
    });
    expect(await manager().runCycle()).toMatchObject({ scheduled: 1 });
    await deleteNow(f.sourceCopy, await loc('ccat', 'telescope_computer'));
    expect(existsSync(f.full)).toBe(false);
  });
});
