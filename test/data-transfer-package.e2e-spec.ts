import { ConfigService } from '@nestjs/config';
import { Queue } from 'bullmq';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { redisOptionsFromUrl } from '../src/engine/redis/redis-options';
import { typeOrmOptions } from '../src/database/typeorm-options';
import { RawDataPackageProcessor } from '../src/pipeline/packaging/raw-data-package.processor';
import { PhysicalCopyService } from '../src/catalog/physical-copies/physical-copy.service';
import { OperationType } from '../src/engine/queues/operation-type';
import { TaskQueueService } from '../src/engine/queues/task-queue.service';
import { StorageService } from '../src/engine/storage/storage.service';
import { DataTransferPackageManager } from '../src/pipeline/bundling/data-transfer-package.manager';
import { DataTransferPackageProcessor } from '../src/pipeline/bundling/data-transfer-package.processor';
import { DataTransferManager } from '../src/pipeline/transfer/data-transfer.manager';
import { DataTransferProcessor } from '../src/pipeline/transfer/data-transfer.processor';
import { DataTransferUnpackProcessor } from '../src/pipeline/transfer/data-transfer-unpack.processor';
import { MemberRefetch } from '../src/pipeline/transfer/member-refetch';
import { CopyRepairProcessor } from '../src/operations/consistency/copy-repair.processor';
import { markLost } from '../src/operations/consistency/lost-copies';
import { FixityManager } from '../src/operations/consistency/fixity.manager';
import { FixityProcessor } from '../src/operations/consistency/fixity.processor';
import { LtaRoutingService } from '../src/catalog/routing/lta-routing.service';
import { RouteService } from '../src/catalog/routing/route.service';
import { tarMembers } from './support/tar';
import { applyDemoTopology, redisNamespace, RedisNamespace } from './support/processes';
import { createTestDatabase, TestDatabase } from './support/test-database';
import {
  insertObsUnit,
  insertRawDataFile,
  insertRawDataPackage,
  insertSourceCopies,
} from './support/factories';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('stage 2: data transfer packages at the buffer (real PostgreSQL, Redis and disk)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let ns: RedisNamespace;
  let dataRoot: string;
  let queues: TaskQueueService;
  let packaging: RawDataPackageProcessor;
  let bundling: DataTransferPackageProcessor;
  let storage: StorageService;
  const config = (over: Record<string, unknown>) =>
    new ConfigService({
      ...ns.env,
      TRANSFER_PACKAGE_MAX_BYTES: 100e9,
      TRANSFER_PACKAGE_MAX_WAIT: 0,
      ...over,
    });
  const manager = (over: Record<string, unknown> = {}) =>
    new DataTransferPackageManager(ds, queues, config(over) as never);

  /** A raw data package of `count` real files, packed by the stage 1 processor into the ccat buffer. */
  const packedPackage = async (count: number): Promise<{ id: string; relativePath: string }> => {
    const unit = await insertObsUnit(ds, { obsUnit: 'bundle' });
    const { id, relativePath, sourceLocationId: source } = await insertRawDataPackage(ds, unit);
    mkdirSync(join(dataRoot, 'ccat', 'telescope_computer', unit), { recursive: true });
    for (let i = 0; i < count; i++) {
      const path = `${unit}/scan_${i}.fits`;
      const bytes = randomBytes(2000 + i);
      writeFileSync(join(dataRoot, 'ccat', 'telescope_computer', path), bytes);
      await insertRawDataFile(ds, { unit, path, bytes, packageId: id });
    }
    await insertSourceCopies(ds, id);
    await packaging.handle({
      operation: OperationType.RAW_DATA_PACKAGE_CREATION,
      entityId: id,
      locationId: source,
      attempt: 0,
    });
    return { id, relativePath };
  };

  const packageRows = (ids: string[]) =>
    ds.query(
      `SELECT id, state, data_transfer_package_id AS dtp, failure_reason FROM raw_data_package WHERE id = ANY($1::uuid[]) ORDER BY id`,
      [ids],
    );

  beforeAll(async () => {
    db = await createTestDatabase();
    ({ dataRoot } = applyDemoTopology(db.url));
    ds = await new DataSource(typeOrmOptions(db.url)).initialize();
    ns = redisNamespace();
    queues = new TaskQueueService(config({}) as never);
    storage = new StorageService(new ConfigService({}));
    packaging = new RawDataPackageProcessor(ds, storage, new PhysicalCopyService(ds));
    bundling = new DataTransferPackageProcessor(ds, storage, new PhysicalCopyService(ds));
  });
  afterAll(async () => {
    await queues.onApplicationShutdown();
    await ds.destroy();
    await db.drop();
    await ns.cleanup();
  });

  it('waits while the bundle is neither full nor old enough', async () => {
    const p = await packedPackage(2);
    expect(await manager({ TRANSFER_PACKAGE_MAX_WAIT: 3_600_000 }).createBundles()).toBe(0);
    expect(await packageRows([p.id])).toEqual([
      { id: p.id, state: 'waiting', dtp: null, failure_reason: null },
    ]);
  });

  it('bundles the waiting packages, enqueues the job on the buffer, and writes a verified tar of tars', async () => {
    await packedPackage(3);
    await packedPackage(1);
    const m = manager();
    expect(await m.runCycle()).toEqual({ bundlesCreated: 1, enqueued: 1 });
    const [dtp] = await ds.query(
      `SELECT id, name, relative_path, status, package_count FROM data_transfer_package`,
    );
    expect(dtp).toMatchObject({ status: 'scheduled', package_count: 3 });
    const rows = await packageRows(
      (await ds.query(`SELECT id FROM raw_data_package`)).map((r: { id: string }) => r.id),
    );
    expect(
      rows.every((r: { state: string; dtp: string }) => r.state === 'transferring' && r.dtp === dtp.id),
    ).toBe(true);
    const queue = new Queue('ccat_buffer_data_transfer_package_creation', {
      connection: redisOptionsFromUrl(ns.env.REDIS_URL),
      prefix: ns.env.QUEUE_PREFIX,
    });
    try {
      const [job] = await queue.getJobs(['waiting', 'prioritized']);
      expect(job.data).toMatchObject({ operation: 'data_transfer_package_creation', entityId: dtp.id });
    } finally {
      await queue.close();
    }

    const [{ origin }] = await ds.query(`SELECT origin_location_id AS origin FROM data_transfer_package`);
    await expect(
      bundling.handle({
        operation: OperationType.DATA_TRANSFER_PACKAGE_CREATION,
        entityId: dtp.id,
        locationId: origin,
        attempt: 0,
      }),
    ).resolves.toMatchObject({ bundled: dtp.name });
    const file = join(dataRoot, 'ccat', 'buffer', dtp.relative_path);
    const members = await tarMembers(file);
    const packages: { relative_path: string; sha256: string }[] = await ds.query(
      `SELECT relative_path, sha256 FROM raw_data_package WHERE data_transfer_package_id = $1`,
      [dtp.id],
    );
    expect(new Map([...members].sort())).toEqual(
      new Map(packages.map((p) => [p.relative_path, p.sha256] as [string, string]).sort()),
    );
    const [done] = await ds.query(`SELECT status, sha256 FROM data_transfer_package WHERE id = $1`, [dtp.id]);
    expect(done).toEqual({ status: 'completed', sha256: sha256(readFileSync(file)) });
    const copies = await ds.query(
      `SELECT kind, status FROM physical_copy WHERE data_transfer_package_id = $1`,
      [dtp.id],
    );
    expect(copies).toEqual([{ kind: 'data_transfer_package', status: 'present' }]);
  });

  it('sends each bundle to one archive site in turn, copied and verified into its buffer (stage 3, local)', async () => {
    // A second bundle beside the one written above.
    await packedPackage(2);
    expect(await manager().createBundles()).toBe(1);
    const [second] = await ds.query(
      `SELECT id, origin_location_id AS origin FROM data_transfer_package WHERE status = 'pending'`,
    );
    await ds.query(`UPDATE data_transfer_package SET status = 'scheduled' WHERE id = $1`, [second.id]);
    await bundling.handle({
      operation: OperationType.DATA_TRANSFER_PACKAGE_CREATION,
      entityId: second.id,
      locationId: second.origin,
      attempt: 0,
    });

    const storage = new StorageService(new ConfigService({}));
    const routing = new LtaRoutingService(ds, ns.redis, config({}) as never);
    const transfers = new DataTransferManager(ds, queues, routing, storage, new RouteService(ds));
    expect(await transfers.runCycle()).toEqual({
      transfersCreated: 2,
      replicationsCreated: 0,
      enqueued: 2,
      unpacksEnqueued: 0,
      distributed: 0,
    });
    expect(await transfers.createTransfers()).toBe(0);
    const rows: {
      id: string;
      site: string;
      location: string;
      destination: number;
      relative_path: string;
      sha256: string;
    }[] = await ds.query(
      `SELECT t.id, s.short_name AS site, l.name AS location, t.destination_location_id AS destination, d.relative_path, d.sha256
           FROM data_transfer t JOIN data_transfer_package d ON d.id = t.data_transfer_package_id
           JOIN data_location l ON l.id = t.destination_location_id JOIN site s ON s.id = l.site_id
          WHERE t.status = 'scheduled' ORDER BY t.created_at`,
    );
    // Round robin over the two archive sites: one bundle each, into each site's first buffer.
    expect(rows.map((r) => r.site).sort()).toEqual(['cologne', 'us']);
    expect(rows.every((r) => r.location === 'buffer')).toBe(true);

    const processor = new DataTransferProcessor(ds, storage, new PhysicalCopyService(ds), {} as never);
    for (const r of rows) {
      await expect(
        processor.handle({
          operation: OperationType.DATA_TRANSFER,
          entityId: r.id,
          locationId: r.destination,
          attempt: 0,
        }),
      ).resolves.toMatchObject({ bytes: expect.any(Number) });
      const copy = readFileSync(join(dataRoot, r.site, 'buffer', r.relative_path));
      expect(sha256(copy)).toBe(r.sha256);
      const [t] = await ds.query(`SELECT status, bytes_transferred FROM data_transfer WHERE id = $1`, [r.id]);
      expect(t).toEqual({ status: 'completed', bytes_transferred: String(copy.length) });
      const copies = await ds.query(
        `SELECT c.status FROM physical_copy c WHERE c.kind = 'data_transfer_package' AND c.location_id = $1`,
        [r.destination],
      );
      expect(copies).toEqual([{ status: 'present' }]);
    }
  });

  it('unpacks each transferred bundle, every file verified; a bundle rotten at its destination comes again (stage 4)', async () => {
    const storage = new StorageService(new ConfigService({}));
    const routing = new LtaRoutingService(ds, ns.redis, config({}) as never);
    const transfers = new DataTransferManager(ds, queues, routing, storage, new RouteService(ds));
    const unpacker = new DataTransferUnpackProcessor(
      ds,
      storage,
      new PhysicalCopyService(ds),
      new MemberRefetch(ds, storage, {} as never),
    );
    const done: { id: string; destination: number; site: string; bundle: string; relative_path: string }[] =
      await ds.query(
        `SELECT t.id, t.destination_location_id AS destination, s.short_name AS site, d.id AS bundle, d.relative_path
         FROM data_transfer t JOIN data_transfer_package d ON d.id = t.data_transfer_package_id
         JOIN data_location l ON l.id = t.destination_location_id JOIN site s ON s.id = l.site_id
        WHERE t.status = 'completed' ORDER BY t.created_at`,
      );
    expect(done).toHaveLength(2);
    // A byte flips inside the first member of the first bundle after it arrived: only that package is
    // fetched again. In the second, a byte of a tar header flips: that bundle cannot be read, so it comes again.
    const flip = (t: (typeof done)[number], at: number) => {
      const file = join(dataRoot, t.site, 'buffer', t.relative_path);
      const bytes = readFileSync(file);
      bytes[at] ^= 0x01;
      writeFileSync(file, bytes);
      return file;
    };
    flip(done[0], 700);
    const rotten = flip(done[1], 0);

    expect(await transfers.enqueuePendingUnpacks()).toBe(2);
    const payload = (t: (typeof done)[number]) => ({
      operation: OperationType.DATA_TRANSFER_UNPACKING,
      entityId: t.id,
      locationId: t.destination,
      attempt: 0,
    });
    const first = await unpacker.handle(payload(done[0]));
    const packages: { id: string; relative_path: string; sha256: string }[] = await ds.query(
      `SELECT id, relative_path, sha256 FROM raw_data_package WHERE data_transfer_package_id = $1 ORDER BY relative_path`,
      [done[0].bundle],
    );
    // The first bundle's three packages: one fetched again, the other two unpacked from the bundle.
    expect(packages).toHaveLength(3);
    expect(first).toEqual({ unpacked: packages.length, refetched: [packages[0].relative_path] });
    for (const p of packages) {
      const file = readFileSync(join(dataRoot, done[0].site, 'buffer', p.relative_path));
      expect(sha256(file)).toBe(p.sha256);
    }
    const recorded: { package: string; reason: string }[] = await ds.query(
      `SELECT c.raw_data_package_id AS package, e.reason FROM physical_copy c
         JOIN physical_copy_event e ON e.physical_copy_id = c.id AND e.to_status = 'present'
        WHERE c.kind = 'raw_data_package' AND c.location_id = $1 AND c.status = 'present'`,
      [done[0].destination],
    );
    expect(recorded).toHaveLength(packages.length);
    expect(recorded.find((r) => r.package === packages[0].id)?.reason).toMatch(
      /^fetched again on its own from buffer, every file verified: its member in .* was bad \(.*bytes differ/,
    );
    expect(recorded.filter((r) => /^unpacked from /.test(r.reason))).toHaveLength(packages.length - 1);
    // The bundle was not sent again for it.
    expect(
      (await ds.query(`SELECT unpack_status, retry_count FROM data_transfer WHERE id = $1`, [done[0].id]))[0],
    ).toEqual({ unpack_status: 'completed', retry_count: 0 });

    // The rotten copy is found at unpack: it stops counting, and the bundle comes again from its origin.
    const outcome = await unpacker.handle(payload(done[1]));
    expect(outcome).toEqual({ transferAgain: expect.stringMatching(/went bad after its transfer/) });
    const [again] = await ds.query(
      `SELECT status, unpack_status, retry_count, unpack_retry_count, failure_reason FROM data_transfer WHERE id = $1`,
      [done[1].id],
    );
    expect(again).toMatchObject({
      status: 'pending',
      unpack_status: 'pending',
      retry_count: 1,
      unpack_retry_count: 1,
      failure_reason: expect.stringMatching(/bytes differ from what was expected/),
    });
    const discarded = await ds.query(
      `SELECT c.status, e.to_status, e.reason FROM physical_copy c JOIN physical_copy_event e ON e.physical_copy_id = c.id
        WHERE c.data_transfer_package_id = $1 AND c.location_id = $2 ORDER BY e.id`,
      [done[1].bundle, done[1].destination],
    );
    expect(discarded.map((e: { to_status: string }) => e.to_status)).toEqual([
      'present',
      'deletion_scheduled',
      'deletion_in_progress',
      'deleted',
    ]);
    expect(discarded[3].reason).toMatch(/^corrupt: the copy of .* went bad after its transfer/);
    expect(existsSync(rotten)).toBe(false);
    const none = await ds.query(
      `SELECT count(*)::int AS n FROM physical_copy WHERE kind = 'raw_data_package' AND location_id = $1`,
      [done[1].destination],
    );
    expect(none[0].n).toBe(0);

    // The manager sends it again; this time it unpacks, every file verified.
    expect(await transfers.enqueuePending()).toBe(1);
    const transfer = new DataTransferProcessor(ds, storage, new PhysicalCopyService(ds), {} as never);
    await transfer.handle({ ...payload(done[1]), operation: OperationType.DATA_TRANSFER, attempt: 1 });
    expect(await transfers.enqueuePendingUnpacks()).toBe(1);
    await expect(unpacker.handle({ ...payload(done[1]), attempt: 1 })).resolves.toEqual({
      unpacked: expect.any(Number),
    });
    const live = await ds.query(
      `SELECT count(*)::int AS n FROM physical_copy WHERE data_transfer_package_id = $1 AND location_id = $2 AND status = 'present'`,
      [done[1].bundle, done[1].destination],
    );
    expect(live[0].n).toBe(1);
  });
  it('sets aside a package whose tar rotted at the buffer: the bundle goes without it, its copy is LOST, and it is packed again, identical, from its source files', async () => {
    // What the earlier stages left waiting is bundled and sent out of the way first.
    await ds.query(`UPDATE raw_data_package SET state = 'archived' WHERE state = 'waiting'`);
    const good = await packedPackage(2);
    const bad = await packedPackage(3);
    const badFile = join(dataRoot, 'ccat', 'buffer', bad.relativePath);
    const original = readFileSync(badFile);
    const rotten = Buffer.from(original);
    rotten[600] ^= 0xff;
    writeFileSync(badFile, rotten);
    expect(await manager().createBundles()).toBe(1);
    const [dtp] = await ds.query(
      `SELECT id, name, relative_path, origin_location_id AS origin FROM data_transfer_package WHERE status = 'pending'`,
    );
    await ds.query(`UPDATE data_transfer_package SET status = 'scheduled' WHERE id = $1`, [dtp.id]);
    await expect(
      bundling.handle({
        operation: OperationType.DATA_TRANSFER_PACKAGE_CREATION,
        entityId: dtp.id,
        locationId: dtp.origin,
        attempt: 0,
      }),
    ).resolves.toMatchObject({ bundled: dtp.name });
    // The bundle holds the good package only, and says so.
    const members = await tarMembers(join(dataRoot, 'ccat', 'buffer', dtp.relative_path));
    expect([...members.keys()]).toEqual([good.relativePath]);
    const [row] = await ds.query(`SELECT status, package_count FROM data_transfer_package WHERE id = $1`, [
      dtp.id,
    ]);
    expect(row).toEqual({ status: 'completed', package_count: 1 });
    const rows = await packageRows([good.id, bad.id]);
    expect(rows.find((r: { id: string }) => r.id === good.id)).toMatchObject({
      state: 'transferring',
      dtp: dtp.id,
    });
    expect(rows.find((r: { id: string }) => r.id === bad.id)).toMatchObject({
      state: 'waiting',
      dtp: null,
      failure_reason: null,
    });
    // Its buffer copy is LOST, audited with who found what, and its repair is planned at the buffer.
    const [lost] = await ds.query(
      `SELECT c.id, c.status, e.actor, e.reason FROM physical_copy c
         JOIN physical_copy_event e ON e.physical_copy_id = c.id AND e.to_status = 'lost'
        WHERE c.raw_data_package_id = $1`,
      [bad.id],
    );
    expect(lost).toMatchObject({ status: 'lost', actor: 'bundling' });
    expect(lost.reason).toMatch(/^bytes of the wrong checksum: .*pcam_280_001\.tar changed on disk/);
    const [repair] = await ds.query(
      `SELECT id, status, detected_by, loss_reason, location_id AS location FROM copy_repair WHERE lost_copy_id = $1`,
      [lost.id],
    );
    expect(repair).toMatchObject({ status: 'pending', detected_by: 'bundling', loss_reason: 'checksum' });
    // Nothing waiting for a bundle has a good tar yet: it is not bundled while it is being healed.
    expect(await manager().createBundles()).toBe(0);

    // The repair finds no other copy and packs it again from its files: the very bytes recorded before.
    await ds.query(`UPDATE copy_repair SET status = 'scheduled' WHERE id = $1`, [repair.id]);
    const repairs = new CopyRepairProcessor(ds, storage, new PhysicalCopyService(ds));
    await expect(
      repairs.handle({
        operation: OperationType.COPY_REPAIR,
        entityId: repair.id,
        locationId: repair.location,
        attempt: 0,
      }),
    ).resolves.toMatchObject({ from: 'its source files at ccat/telescope_computer' });
    expect(readFileSync(badFile).equals(original)).toBe(true);
    const [healed] = await ds.query(
      `SELECT c.status, c.sha256 = p.sha256 AS same, e.reason FROM physical_copy c
         JOIN raw_data_package p ON p.id = c.raw_data_package_id
         JOIN physical_copy_event e ON e.physical_copy_id = c.id
        WHERE c.raw_data_package_id = $1 AND c.status = 'present'`,
      [bad.id],
    );
    expect(healed).toMatchObject({ status: 'present', same: true });
    expect(healed.reason).toMatch(
      /^packed again from its source files at ccat\/telescope_computer .*byte for byte/,
    );
    // And it travels in the next bundle.
    expect(await manager().createBundles()).toBe(1);
    expect((await packageRows([bad.id]))[0]).toMatchObject({ state: 'transferring' });
  });

  it('refuses to heal a package whose source file changed (the tar would differ), and past three heals a day', async () => {
    const pkg = await packedPackage(2);
    const tar = join(dataRoot, 'ccat', 'buffer', pkg.relativePath);
    const [copy] = await ds.query(
      `SELECT id, location_id AS location FROM physical_copy WHERE raw_data_package_id = $1 AND status = 'present'`,
      [pkg.id],
    );
    const [file] = await ds.query(
      `SELECT relative_path AS path FROM raw_data_file WHERE raw_data_package_id = $1 ORDER BY relative_path LIMIT 1`,
      [pkg.id],
    );
    writeFileSync(join(dataRoot, 'ccat', 'telescope_computer', file.path), randomBytes(2000));
    writeFileSync(tar, Buffer.alloc(10));
    const repairOf = async (copyId: string) => {
      const id = await ds.transaction((m) => markLost(m, { copyId, reason: 'size', detectedBy: 'check' }));
      await ds.query(`UPDATE copy_repair SET status = 'scheduled' WHERE id = $1`, [id]);
      return new CopyRepairProcessor(ds, storage, new PhysicalCopyService(ds))
        .handle({
          operation: OperationType.COPY_REPAIR,
          entityId: id!,
          locationId: copy.location,
          attempt: 0,
        })
        .then(
          () => 'repaired',
          (err: Error) => err.message,
        );
    };
    expect(await repairOf(copy.id)).toMatch(
      /packing it again from ccat\/telescope_computer failed: .*scan_0\.fits changed on .* since its registration/,
    );
    // The tar that was there stays as it was found; nothing half-written replaces it.
    expect(readFileSync(tar).length).toBe(10);
    const [failed] = await ds.query(`SELECT status FROM copy_repair WHERE lost_copy_id = $1`, [copy.id]);
    expect(failed.status).toBe('failed');

    // Three more losses of copies of the same package within the day: the fourth heal is refused.
    for (let i = 0; i < 3; i++) {
      const id = await ds.transaction(async (m) => {
        await m.query(`SELECT set_config('ccat.actor', 'test-fixture', true)`);
        const [row] = await m.query(
          `INSERT INTO physical_copy (kind, raw_data_package_id, location_id, relative_path, status, size, sha256, verified_at)
           SELECT kind, raw_data_package_id, location_id, relative_path, 'present', size, sha256, now()
             FROM physical_copy WHERE id = $1 RETURNING id`,
          [copy.id],
        );
        return row.id as string;
      });
      const outcome = await repairOf(id);
      if (i < 2) expect(outcome).not.toMatch(/heals allowed/);
      else expect(outcome).toMatch(/found bad 4 times within 24 h, more than the 3 heals allowed/);
    }
  });
  it("finds a package tar rotting at the buffer before it is bundled (the buffers' fixity audit), and the repair packs it again", async () => {
    const pkg = await packedPackage(2);
    const tar = join(dataRoot, 'ccat', 'buffer', pkg.relativePath);
    const original = readFileSync(tar);
    const rotten = Buffer.from(original);
    rotten[1000] ^= 0x40;
    writeFileSync(tar, rotten);
    const fixity = new FixityManager(
      ds,
      queues,
      new ConfigService({
        ...ns.env,
        FIXITY_MANAGER_INTERVAL: 86_400_000,
        FIXITY_BYTES_PER_DAY: 0,
        FIXITY_BUFFER_BYTES_PER_DAY: 1024 ** 3,
        FIXITY_SOURCE_BYTES_PER_DAY: 0,
      }) as never,
    );
    await fixity.runCycle();
    const [check] = await ds.query(
      `SELECT f.id, f.location_id AS location FROM fixity_check f JOIN physical_copy c ON c.id = f.copy_id
        WHERE c.raw_data_package_id = $1`,
      [pkg.id],
    );
    expect(check).toBeDefined();
    // Only buffers were planned: no archive or source location has a budget here.
    const planned = await ds.query(
      `SELECT DISTINCT l.location_type AS type FROM fixity_check f JOIN data_location l ON l.id = f.location_id`,
    );
    expect(planned).toEqual([{ type: 'buffer' }]);
    await expect(
      new FixityProcessor(ds, storage).handle({
        operation: OperationType.FIXITY,
        entityId: check.id,
        locationId: check.location,
        attempt: 0,
      }),
    ).resolves.toMatchObject({ ok: false });
    const [repair] = await ds.query(
      `SELECT r.id, r.detected_by, r.loss_reason, c.status FROM copy_repair r JOIN physical_copy c ON c.id = r.lost_copy_id
        WHERE c.raw_data_package_id = $1`,
      [pkg.id],
    );
    expect(repair).toMatchObject({ detected_by: 'fixity', loss_reason: 'checksum', status: 'lost' });
    await ds.query(`UPDATE copy_repair SET status = 'scheduled' WHERE id = $1`, [repair.id]);
    await expect(
      new CopyRepairProcessor(ds, storage, new PhysicalCopyService(ds)).handle({
        operation: OperationType.COPY_REPAIR,
        entityId: repair.id,
        locationId: check.location,
        attempt: 0,
      }),
    ).resolves.toMatchObject({ from: 'its source files at ccat/telescope_computer' });
    expect(readFileSync(tar).equals(original)).toBe(true);
  });
});
