import { ConfigService } from '@nestjs/config';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { PhysicalCopyService } from '../src/catalog/physical-copies/physical-copy.service';
import { CopyKind } from '../src/catalog/physical-copies/physical-copy.states';
import { TopologyLocationDocument } from '../src/catalog/topology/topology-snapshot';
import { TopologyService } from '../src/catalog/topology/topology.service';
import { OperationType } from '../src/engine/queues/operation-type';
import { jobId, queueName } from '../src/engine/queues/queue-name';
import { OperationStatus } from '../src/engine/work/operation-status';
import { RecoveryManager } from '../src/operations/recovery/recovery.manager';
import { WorkResetService } from '../src/operations/recovery/work-reset.service';
import { LongTermArchiveManager } from '../src/pipeline/archive/long-term-archive.manager';
import { PackageState } from '../src/pipeline/packaging/raw-data-package.states';
import { StagingJobService } from '../src/pipeline/staging/staging-job.service';
import { insertObsUnit, insertRawDataPackage } from './support/factories';
import { TransferManagerHarness } from './support/transfer-manager-harness';

/**
 * Locations operators steer, against real PostgreSQL and Redis with the managers in process: a draining
 * location takes no new work, an offline one's unclaimed work moves to the next of its type at its site,
 * failover archives share one copy per site, and staging may name a site. Modes are set the way an
 * operator sets them, through the topology (TopologyService.edit is what `topology apply` runs).
 */
describe('location modes, archive roles and staging by site (PostgreSQL, Redis)', () => {
  let h: TransferManagerHarness;
  const topology = () => new TopologyService(h.ds);
  const recovery = () =>
    new RecoveryManager(
      h.ds,
      h.queues,
      new WorkResetService(h.ds),
      new PhysicalCopyService(h.ds),
      new ConfigService({ ...h.ns.env, RECOVERY_GRACE: 60_000, RECOVERY_STALL_TIMEOUT: 3_600_000 }) as never,
      h.ns.redis,
    );
  const setLocation = (site: string, name: string, change: Partial<TopologyLocationDocument>) =>
    topology().edit((doc) => {
      const location = doc.sites.find((s) => s.shortName === site)?.locations.find((l) => l.name === name);
      if (!location) throw new Error(`no ${site}/${name}`);
      Object.assign(location, change);
    });
  const destinationOf = async (table: string, id: string) =>
    (
      await h.ds.query(
        `SELECT s.short_name || '/' || l.name AS "to", t.status FROM ${table} t
           JOIN data_location l ON l.id = t.destination_location_id JOIN site s ON s.id = l.site_id WHERE t.id = $1`,
        [id],
      )
    )[0] as { to: string; status: string };
  /** An archived package with a verified copy at cologne/buffer (what the archive uploads read). */
  const packageAtCologneBuffer = async () =>
    h.ds.transaction(async (m) => {
      const unit = randomUUID();
      await insertObsUnit(m, { id: unit });
      const pkg = await insertRawDataPackage(m, unit, {
        status: OperationStatus.COMPLETED,
        state: PackageState.TRANSFERRING,
        size: 1024,
        sha256: randomBytes(32).toString('hex'),
        fileCount: 1,
      });
      const [{ id: buffer }] = await m.query(
        `SELECT l.id FROM data_location l JOIN site s ON s.id = l.site_id WHERE s.short_name = 'cologne' AND l.name = 'buffer'`,
      );
      await new PhysicalCopyService(h.ds).createCopies(
        m,
        [
          {
            kind: CopyKind.RAW_DATA_PACKAGE,
            rawDataPackageId: pkg.id,
            locationId: buffer,
            relativePath: pkg.relativePath,
            size: 1024,
            sha256: 'c'.repeat(64),
          },
        ],
        { actor: 'test' },
      );
      return pkg.id;
    });
  const uploadsOf = async (packageId: string) =>
    (
      await h.ds.query(
        `SELECT t.id, s.short_name || '/' || l.name AS "to" FROM long_term_archive_transfer t
           JOIN data_location l ON l.id = t.destination_location_id JOIN site s ON s.id = l.site_id
          WHERE t.raw_data_package_id = $1 ORDER BY 2`,
        [packageId],
      )
    ).map((r: { id: string; to: string }) => r) as { id: string; to: string }[];

  beforeAll(async () => {
    h = await TransferManagerHarness.start();
  });
  afterAll(() => h?.stop());

  it('keeps modes and roles in the topology, and refuses what contradicts itself, writing nothing', async () => {
    await setLocation('cologne', 'buffer_secondary', { mode: 'draining' });
    const [row] = await h.ds.query(
      `SELECT active, draining FROM data_location WHERE name = 'buffer_secondary' AND site_id = (SELECT id FROM site WHERE short_name = 'cologne')`,
    );
    expect(row).toEqual({ active: true, draining: true });
    await expect(setLocation('cologne', 'buffer', { active: false, mode: 'draining' })).rejects.toThrow(
      /active: false means mode: offline; say one of them/,
    );
    await expect(setLocation('cologne', 'buffer', { role: 'failover' })).rejects.toThrow(
      /only a long_term_archive location has a role/,
    );
    await expect(setLocation('cologne', 'buffer', { mode: 'resting' as never })).rejects.toThrow(
      /mode must be one of: active, draining, offline/,
    );
    await setLocation('cologne', 'buffer_secondary', { mode: undefined });
  });

  it('lets an operator edit other locations while a tape row from an earlier release is there, as it was', async () => {
    const [{ id }] = await h.ds.query(
      `INSERT INTO data_location (site_id, name, location_type, storage_type)
       SELECT id, 'old_tape', 'long_term_archive', 'tape' FROM site WHERE short_name = 'us' RETURNING id`,
    );
    await setLocation('cologne', 'buffer_backup', { priority: 4 });
    await expect(setLocation('us', 'old_tape', { priority: 2 })).rejects.toThrow(/tape is not supported yet/);
    const [row] = await h.ds.query(`SELECT storage_type, active FROM data_location WHERE id = $1`, [id]);
    expect(row).toEqual({ storage_type: 'tape', active: true });
    await h.ds.query(`UPDATE data_location SET active = false WHERE id = $1`, [id]);
  });

  it('sends no new bundle to a draining buffer, and no unclaimed work away from it', async () => {
    await setLocation('cologne', 'buffer', { mode: 'draining' });
    try {
      expect((await h.nextForCologne()).to).toBe('cologne/buffer_secondary');
      expect(await recovery().runCycle()).toEqual({ reset: {} });
    } finally {
      await setLocation('cologne', 'buffer', { mode: undefined });
    }
  });

  it('moves a transfer nobody has claimed off an offline buffer, its queued job taken back; claimed work stays', async () => {
    const [pending, scheduled, claimed] = [
      (await h.nextForCologne()).bundle,
      (await h.nextForCologne()).bundle,
      (await h.nextForCologne()).bundle,
    ];
    await h.manager.runCycle(); // schedules them on cologne/buffer's queue
    const transferTo = async (bundle: string) =>
      (
        await h.ds.query(
          `SELECT t.id FROM data_transfer t JOIN data_location l ON l.id = t.destination_location_id
            JOIN site s ON s.id = l.site_id WHERE t.data_transfer_package_id = $1 AND s.short_name = 'cologne'`,
          [bundle],
        )
      )[0].id as string;
    const [p, s, c] = [await transferTo(pending), await transferTo(scheduled), await transferTo(claimed)];
    for (const id of [p, s, c]) expect((await destinationOf('data_transfer', id)).to).toBe('cologne/buffer');
    // The manager scheduled them all on cologne/buffer's queue; one goes back to pending, one is claimed.
    const queue = h.queues.queue(queueName('cologne', 'buffer', OperationType.DATA_TRANSFER));
    await h.ds.query(`UPDATE data_transfer SET status = 'pending' WHERE id = $1`, [p]);
    await (await queue.getJob(jobId(OperationType.DATA_TRANSFER, p, 0)))?.remove();
    await h.ds.query(
      `UPDATE data_transfer SET status = 'in_progress', claimed_by = 'worker-x' WHERE id = $1`,
      [c],
    );
    expect(await destinationOf('data_transfer', s)).toEqual({ to: 'cologne/buffer', status: 'scheduled' });

    await setLocation('cologne', 'buffer', { mode: 'offline' });
    try {
      expect(await recovery().runCycle()).toMatchObject({ movedOffOffline: { transfer: 2 } });
      expect(await destinationOf('data_transfer', p)).toEqual({
        to: 'cologne/buffer_secondary',
        status: 'pending',
      });
      expect(await destinationOf('data_transfer', s)).toEqual({
        to: 'cologne/buffer_secondary',
        status: 'pending',
      });
      expect(await queue.getJob(jobId(OperationType.DATA_TRANSFER, s, 0))).toBeUndefined();
      expect(await destinationOf('data_transfer', c)).toEqual({
        to: 'cologne/buffer',
        status: 'in_progress',
      });
    } finally {
      await setLocation('cologne', 'buffer', { mode: undefined });
    }
  });

  it('gives a site’s failover archives one copy, at the first that takes it; an offline one’s upload moves on, a mirror’s waits', async () => {
    await topology().edit((doc) => {
      const cologne = doc.sites.find((s) => s.shortName === 'cologne')!;
      for (const [name, priority] of [
        ['lta_f1', 1],
        ['lta_f2', 2],
      ] as const)
        cologne.locations.push({
          name,
          type: 'long_term_archive',
          storage: 'disk',
          priority,
          active: true,
          role: 'failover',
          rootPath: join(h.dataRoot, 'cologne', name),
        });
    });
    const archives = new LongTermArchiveManager(h.ds, h.queues);
    const first = await packageAtCologneBuffer();
    await archives.createArchiveTransfers();
    expect((await uploadsOf(first)).map((u) => u.to)).toEqual(['cologne/lta', 'cologne/lta_f1']);

    await setLocation('cologne', 'lta_f1', { mode: 'offline' });
    await setLocation('cologne', 'lta', { mode: 'offline' });
    try {
      expect(await recovery().runCycle()).toMatchObject({ movedOffOffline: { archive: 1 } });
      // The failover's copy went to the next failover; the mirror's own copy waits for its mirror.
      expect((await uploadsOf(first)).map((u) => u.to)).toEqual(['cologne/lta', 'cologne/lta_f2']);
      const second = await packageAtCologneBuffer();
      await archives.createArchiveTransfers();
      expect((await uploadsOf(second)).map((u) => u.to)).toEqual(['cologne/lta_f2']);
    } finally {
      await setLocation('cologne', 'lta_f1', { mode: undefined });
      await setLocation('cologne', 'lta', { mode: undefined });
    }
  });

  it('stages at a site’s first processing location that takes new work, and refuses a draining one by name', async () => {
    const staging = new StagingJobService(h.ds);
    const packageId = await packageAtCologneBuffer();
    await h.ds.query(`UPDATE raw_data_package SET state = 'archived' WHERE id = $1`, [packageId]);
    const [{ id: lta }] = await h.ds.query(
      `SELECT l.id FROM data_location l JOIN site s ON s.id = l.site_id WHERE s.short_name = 'us' AND l.name = 'lta'`,
    );
    await h.ds.transaction((m) =>
      new PhysicalCopyService(h.ds).createCopies(
        m,
        [
          {
            kind: CopyKind.RAW_DATA_PACKAGE,
            rawDataPackageId: packageId,
            locationId: lta,
            relativePath: `archive/${packageId}.tar`,
            size: 1024,
            sha256: 'c'.repeat(64),
          },
        ],
        { actor: 'test' },
      ),
    );
    const job = await staging.create({ site: 'cologne', packages: [packageId] }, 'test');
    expect(job).toMatchObject({ location: 'cologne_ramses_processing' });

    await setLocation('cologne', 'ramses_processing', { mode: 'draining' });
    try {
      await expect(
        staging.create({ location: 'cologne_ramses_processing', packages: [packageId] }, 'test'),
      ).rejects.toThrow(/draining: it takes no new work; name its site to use the next/);
      await expect(staging.create({ site: 'cologne', packages: [packageId] }, 'test')).rejects.toThrow(
        /site cologne has no processing location that takes new work/,
      );
    } finally {
      await setLocation('cologne', 'ramses_processing', { mode: undefined });
    }
  });
});
