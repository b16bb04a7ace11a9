import { ConfigService } from '@nestjs/config';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { typeOrmOptions } from '../src/database/typeorm-options';
import { chooseBuffer } from '../src/modules/locations/buffer-selection';
import { RawDataPackageProcessor } from '../src/modules/packages/raw-data-package.processor';
import { PhysicalCopyService } from '../src/modules/physical-copies/physical-copy.service';
import { OperationType } from '../src/modules/queues/operation-type';
import { StorageService } from '../src/modules/storage/storage.service';
import { tarMembers } from './support/tar';
import { applyDemoTopology } from './support/processes';
import { createTestDatabase, TestDatabase } from './support/test-database';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('stage 1: raw data package creation into the buffer (real PostgreSQL and disk)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let dataRoot: string;
  let processor: RawDataPackageProcessor;
  let storage: StorageService;

  const sourceRoot = () => join(dataRoot, 'ccat', 'telescope_computer');
  const bufferRoot = () => join(dataRoot, 'ccat', 'buffer');

  /** Files written to the source disk and registered, grouped into one scheduled package. */
  const packageOf = async (count: number) => {
    const unit = randomUUID();
    await ds.query(
      `INSERT INTO executed_obs_unit (id, obs_unit, instrument_id, started_at, finished_at)
       SELECT $1, 'pkg', id, now(), now() FROM instrument WHERE name = 'primecam'`,
      [unit],
    );
    const [{ module, source }] = await ds.query(
      `SELECT m.id AS module, l.id AS source FROM instrument_module m, data_location l
        WHERE m.name = 'pcam_280' AND l.name = 'telescope_computer'`,
    );
    const [{ id }] = await ds.query(
      `INSERT INTO raw_data_package (name, relative_path, executed_obs_unit_id, instrument_module_id, source_location_id, sequence, status)
       VALUES ($1, $2, $3, $4, $5, 1, 'scheduled') RETURNING id`,
      [`${unit}_pcam_280_001`, `primecam/${unit}/pcam_280_001.tar`, unit, module, source],
    );
    const files: { path: string; bytes: Buffer }[] = [];
    for (let i = 0; i < count; i++) {
      const path = `primecam/${unit}/pcam_280/scan_${i}.fits`;
      const bytes = randomBytes(1000 + i * 7919);
      mkdirSync(join(sourceRoot(), `primecam/${unit}/pcam_280`), { recursive: true });
      writeFileSync(join(sourceRoot(), path), bytes);
      files.push({ path, bytes });
      await ds.query(
        `INSERT INTO raw_data_file (id, relative_path, size, sha256, executed_obs_unit_id, instrument_module_id, source_location_id, raw_data_package_id)
         VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7)`,
        [path, bytes.length, sha256(bytes), unit, module, source, id],
      );
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
    ds = await new DataSource(typeOrmOptions(db.url)).initialize();
    storage = new StorageService(new ConfigService({}));
    processor = new RawDataPackageProcessor(ds, storage, new PhysicalCopyService(ds));
  });
  afterAll(async () => {
    await ds.destroy();
    await db.drop();
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
});
