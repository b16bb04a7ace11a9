import { Job } from 'bullmq';
import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { chooseBuffer } from '../src/catalog/locations/buffer-selection';
import { RawDataPackageProcessor } from '../src/pipeline/packaging/raw-data-package.processor';
import { PhysicalCopyService } from '../src/catalog/physical-copies/physical-copy.service';
import { OperationType } from '../src/engine/queues/operation-type';
import { TaskPayload } from '../src/engine/queues/queue-descriptor';
import { StorageService } from '../src/engine/storage/storage.service';
import { tarMembers } from './support/tar';
import { applyDemoTopology, redisNamespace, RedisNamespace } from './support/processes';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { insertObsUnit, insertRawDataFile, insertRawDataPackage } from './support/factories';
import { StageModuleHarness, startStageModule } from './support/stage-module';
import { PackagesModule } from '../src/pipeline/packaging/packages.module';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('stage 1: raw data package creation into the buffer (real PostgreSQL and disk)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let dataRoot: string;
  let processor: RawDataPackageProcessor;
  let storage: StorageService;
  let stage: StageModuleHarness;
  let ns: RedisNamespace;

  const sourceRoot = () => join(dataRoot, 'ccat', 'telescope_computer');
  const bufferRoot = () => join(dataRoot, 'ccat', 'buffer');

  /** Files written to the source disk and registered, grouped into one scheduled package. */
  const packageOf = async (count: number) => {
    const unit = await insertObsUnit(ds, { obsUnit: 'pkg' });
    const { id, sourceLocationId: source } = await insertRawDataPackage(ds, unit);
    const files: { path: string; bytes: Buffer }[] = [];
    for (let i = 0; i < count; i++) {
      const path = `primecam/${unit}/pcam_280/scan_${i}.fits`;
      const bytes = randomBytes(1000 + i * 7919);
      mkdirSync(join(sourceRoot(), `primecam/${unit}/pcam_280`), { recursive: true });
      writeFileSync(join(sourceRoot(), path), bytes);
      files.push({ path, bytes });
      await insertRawDataFile(ds, { unit, path, bytes, packageId: id });
    }
    const payload = {
      operation: OperationType.RAW_DATA_PACKAGE_CREATION,
      entityId: id,
      locationId: source,
      attempt: 0,
    };
    return { id, unit, files, payload, tar: join(bufferRoot(), `primecam/${unit}/pcam_280_001.tar`) };
  };

  const row = async (id: string) =>
    (
      await ds.query(
        `SELECT status, size, sha256, failure_reason, claimed_by FROM raw_data_package WHERE id = $1`,
        [id],
      )
    )[0];

  beforeAll(async () => {
    db = await createTestDatabase();
    ({ dataRoot } = applyDemoTopology(db.url));
    ns = redisNamespace();
    // Stage 1's Nest module, wired as the worker wires it.
    stage = await startStageModule({ DATABASE_URL: db.url, ...ns.env }, [PackagesModule]);
    const moduleRef = stage.moduleRef;
    ds = moduleRef.get(DataSource);
    storage = moduleRef.get(StorageService);
    processor = moduleRef.get(RawDataPackageProcessor);
  });
  afterAll(async () => {
    await stage?.close();
    await ns?.cleanup();
    await db?.drop();
  });

  it('writes a tar whose members hash to their registrations, and records it only then', async () => {
    const p = await packageOf(12);
    await expect(processor.handle(p.payload)).resolves.toMatchObject({ buffer: 'buffer' });

    const members = await tarMembers(p.tar);
    expect(new Map([...members].sort())).toEqual(
      new Map(p.files.map((f) => [f.path, sha256(f.bytes)] as [string, string]).sort()),
    );
    const tarBytes = readFileSync(p.tar);
    const r = await row(p.id);
    expect(r).toMatchObject({
      status: 'completed',
      size: String(tarBytes.length),
      sha256: sha256(tarBytes),
      failure_reason: null,
    });
    const copies = await ds.query(
      `SELECT c.status, c.sha256, l.name AS location, e.to_status, e.actor FROM physical_copy c
         JOIN data_location l ON l.id = c.location_id JOIN physical_copy_event e ON e.physical_copy_id = c.id
        WHERE c.raw_data_package_id = $1`,
      [p.id],
    );
    expect(copies).toEqual([
      {
        status: 'present',
        sha256: sha256(tarBytes),
        location: 'buffer',
        to_status: 'present',
        actor: expect.any(String),
      },
    ]);
    expect(readdirSync(join(bufferRoot(), `primecam/${p.unit}`)).filter((f) => f.endsWith('.part'))).toEqual(
      [],
    );
  });

  it('fails the package for good when a file changed on the source disk after registration, leaving nothing', async () => {
    const p = await packageOf(5);
    const changed = Buffer.from(p.files[3].bytes);
    changed[10] ^= 0x01;
    writeFileSync(join(sourceRoot(), p.files[3].path), changed);

    await expect(processor.handle(p.payload)).rejects.toThrow(
      /scan_3\.fits changed on disk .* since its registration/,
    );
    const r = await row(p.id);
    expect(r.status).toBe('failed');
    expect(r.failure_reason).toMatch(/scan_3\.fits changed on .* since its registration/);
    expect(existsSync(p.tar)).toBe(false);
    const dir = join(bufferRoot(), `primecam/${p.unit}`);
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
    expect(
      (
        await ds.query(`SELECT count(*)::int AS n FROM physical_copy WHERE raw_data_package_id = $1`, [p.id])
      )[0].n,
    ).toBe(0);
  });

  it('fails the package when a registered file is missing from the source', async () => {
    const p = await packageOf(2);
    unlinkSync(join(sourceRoot(), p.files[1].path));
    await expect(processor.handle(p.payload)).rejects.toThrow(/scan_1\.fits is recorded but missing/);
    expect((await row(p.id)).status).toBe('failed');
    expect(existsSync(p.tar)).toBe(false);
  });

  it('fails the package for good when a registered file was replaced by a symbolic link, even to the same bytes', async () => {
    const p = await packageOf(3);
    const elsewhere = join(sourceRoot(), 'elsewhere', `${p.unit}.fits`);
    mkdirSync(join(sourceRoot(), 'elsewhere'), { recursive: true });
    writeFileSync(elsewhere, p.files[1].bytes);
    unlinkSync(join(sourceRoot(), p.files[1].path));
    symlinkSync(elsewhere, join(sourceRoot(), p.files[1].path));

    const reason =
      /scan_1\.fits at ccat\/telescope_computer is a symbolic link; packaging reads only regular files/;
    await expect(processor.handle(p.payload)).rejects.toThrow(reason);
    const r = await row(p.id);
    expect(r.status).toBe('failed');
    expect(r.failure_reason).toMatch(reason);
    expect(existsSync(p.tar)).toBe(false);
    expect(
      (
        await ds.query(`SELECT count(*)::int AS n FROM physical_copy WHERE raw_data_package_id = $1`, [p.id])
      )[0].n,
    ).toBe(0);
    expect(readFileSync(elsewhere).equals(p.files[1].bytes)).toBe(true);
  });

  it('chooses the first active buffer with room, by priority, and the next when it is inactive or full', async () => {
    const [{ id: cologne }] = await ds.query(`SELECT id FROM site WHERE short_name = 'cologne'`);
    const pick = async () =>
      (await chooseBuffer(ds.manager, cologne, (l) => storage.backendFor(l))).buffer?.name ?? null;
    expect(await pick()).toBe('buffer');
    await ds.query(
      `UPDATE data_location SET disk_usage_threshold_percent = 0.0001 WHERE site_id = $1 AND name = 'buffer'`,
      [cologne],
    );
    mkdirSync(join(dataRoot, 'cologne', 'buffer'), { recursive: true });
    expect(await pick()).toBe('buffer_secondary');
    await ds.query(
      `UPDATE data_location SET disk_usage_threshold_percent = 90, active = false WHERE site_id = $1 AND name = 'buffer'`,
      [cologne],
    );
    expect(await pick()).toBe('buffer_secondary');
    await ds.query(
      `UPDATE data_location SET active = false WHERE site_id = $1 AND name = 'buffer_secondary'`,
      [cologne],
    );
    expect(await pick()).toBeNull();
    await ds.query(
      `UPDATE data_location SET active = true WHERE site_id = $1 AND name IN ('buffer', 'buffer_secondary')`,
      [cologne],
    );
    expect(await pick()).toBe('buffer');
  });

  describe('an attempt that dies after its tar is durable, before recording it', () => {
    let first: number;
    let second: number;
    const secondRoot = () => join(dataRoot, 'ccat', 'buffer_secondary');
    /** Not the last attempt: a failure is left to BullMQ's retry, as a killed worker's job is. */
    const retried = { job: { attemptsMade: 0, opts: { attempts: 3 } } as Job<TaskPayload> };
    /**
     * A worker killed between the durable tar and the commit that records it. Built by hand, as the
     * take-over below: each replaces one step of the module's processor with a fault.
     */
    const dying = () => {
      const copies = new PhysicalCopyService(ds);
      copies.createCopies = () => Promise.reject(new Error('worker killed before recording the tar'));
      return new RawDataPackageProcessor(ds, storage, copies);
    };
    const recordedAt = async (id: string) =>
      (await ds.query(
        `SELECT l.name AS location, c.status FROM physical_copy c JOIN data_location l ON l.id = c.location_id
          WHERE c.raw_data_package_id = $1`,
        [id],
      )) as { location: string; status: string }[];

    beforeAll(async () => {
      [{ id: first }] = await ds.query(
        `SELECT id FROM data_location WHERE name = 'buffer'
            AND site_id = (SELECT site_id FROM data_location WHERE name = 'telescope_computer')`,
      );
      [{ id: second }] = await ds.query(
        `INSERT INTO data_location (site_id, name, location_type, storage_type, priority, root_path)
         SELECT site_id, 'buffer_secondary', 'buffer', 'disk', 2, $1 FROM data_location WHERE id = $2
         RETURNING id`,
        [secondRoot(), first],
      );
    });
    afterEach(() =>
      ds.query(`UPDATE data_location SET active = (id = $1) WHERE id IN ($1, $2)`, [first, second]),
    );

    it('removes what it left on a buffer the retry does not use, so no tar of it stays there unrecorded', async () => {
      const p = await packageOf(3);
      const unitDir = join(bufferRoot(), `primecam/${p.unit}`);
      await expect(dying().handle(p.payload, retried)).rejects.toThrow(/worker killed/);
      expect(existsSync(p.tar)).toBe(true);
      expect((await row(p.id)).status).toBe('in_progress');
      expect(await recordedAt(p.id)).toEqual([]);
      // And what a worker killed in the middle of an earlier write leaves beside it.
      writeFileSync(join(unitDir, '.pcam_280_001.tar.0123456789ab.part'), 'half a tar');

      // The first buffer is taken out of service before the retry.
      await ds.query(`UPDATE data_location SET active = false WHERE id = $1`, [first]);
      await expect(processor.handle(p.payload, retried)).resolves.toMatchObject({
        buffer: 'buffer_secondary',
      });

      expect(readdirSync(unitDir)).toEqual([]);
      expect(await recordedAt(p.id)).toEqual([{ location: 'buffer_secondary', status: 'present' }]);
      const tar = readFileSync(join(secondRoot(), `primecam/${p.unit}/pcam_280_001.tar`));
      const r = await row(p.id);
      expect(r).toMatchObject({ status: 'completed', sha256: sha256(tar) });
      const [{ packaging_location_id }] = await ds.query(
        `SELECT packaging_location_id FROM raw_data_package WHERE id = $1`,
        [p.id],
      );
      expect(packaging_location_id).toBe(second);
    });

    it('does not record its tar when another attempt took the package over while it wrote', async () => {
      const p = await packageOf(2);
      const takenOver: StorageService = Object.create(storage);
      takenOver.backendFor = (l) => {
        const backend = storage.backendFor(l);
        if (l.id !== first) return backend;
        return Object.assign(Object.create(backend), {
          write: async (...args: Parameters<typeof backend.write>) => {
            await ds.query(
              `UPDATE raw_data_package SET claimed_by = 'worker-ccat-other-1', claimed_at = now() WHERE id = $1`,
              [p.id],
            );
            return backend.write(...args);
          },
        });
      };
      const stale = new RawDataPackageProcessor(ds, takenOver, new PhysicalCopyService(ds));
      await expect(stale.handle(p.payload, retried)).resolves.toMatchObject({
        skipped: expect.stringMatching(/claimed by worker-ccat-other-1/),
      });
      expect(await recordedAt(p.id)).toEqual([]);
      expect((await row(p.id)).status).toBe('in_progress');
    });
  });
});
