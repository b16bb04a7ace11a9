import { ConfigService } from '@nestjs/config';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import request from 'supertest';
import { pack } from 'tar-stream';
import { DataSource } from 'typeorm';
import { typeOrmOptions } from '../src/database/typeorm-options';
import { TokenScope } from '../src/engine/auth/api-token.entity';
import { DataLocation } from '../src/catalog/locations/data-location.entity';
import { LocationType, StorageType } from '../src/catalog/locations/location-type';
import { PhysicalCopyService } from '../src/catalog/physical-copies/physical-copy.service';
import { CopyKind } from '../src/catalog/physical-copies/physical-copy.states';
import { OperationType } from '../src/engine/queues/operation-type';
import { Site } from '../src/catalog/sites/site.entity';
import { StagingJobService } from '../src/pipeline/staging/staging-job.service';
import { StagingProcessor } from '../src/pipeline/staging/staging.processor';
import { StorageService } from '../src/engine/storage/storage.service';
import {
  createToken,
  insertObsUnit,
  insertRawDataFile,
  insertRawDataPackage,
  seedSmallTopology,
} from './support/factories';
import { OperationStatus } from '../src/engine/work/operation-status';
import { PackageState } from '../src/pipeline/packaging/raw-data-package.states';
import { PipelineHarness, sha256 } from './support/pipeline-harness';
import { waitFor } from './support/processes';
import { createTestDatabase, TestDatabase } from './support/test-database';

/** Stage 6 with real processes: archived packages brought back to Cologne's processing location. */
describe('staging archived data to a processing location (real processes, PostgreSQL, Redis, s3rver)', () => {
  let h: PipelineHarness;

  beforeAll(async () => {
    h = await PipelineHarness.start();
  }, 60_000);
  afterAll(() => h?.stop());

  it('stages an archived obs unit back to a processing location, keeps it while the job needs it, and frees it on release', async () => {
    // An obs unit (named field_0: the first one observed) archived at both sites.
    await h.observe('primecam', ['pcam_280', 'pcam_350'], 13, 200_000);
    await waitFor(
      'the obs unit to be archived at both sites',
      async () => {
        const failed = await h.failures();
        if (failed.length) throw new Error(`failed: ${JSON.stringify(failed)}`);
        const rows = await h.packages();
        return rows.length === 2 && rows.every((p) => p.state === 'archived' && p.lta_site_count === 2);
      },
      60_000,
    );
    const admin = await createToken(h.db, [TokenScope.ADMIN]);
    const http = request(h.api.app.getHttpServer());
    const post = (path: string, body: object, t = admin) =>
      http
        .post(path)
        .set({ Authorization: `Bearer ${t}` })
        .send(body);
    const location = 'cologne_ramses_processing';
    // Bad requests say what is wrong and write nothing.
    expect(
      (
        await post('/staging-jobs', { location, obsUnit: 'field_0', packages: [crypto.randomUUID()] }).expect(
          400,
        )
      ).body.message,
    ).toBe('name exactly one of packages, files or obsUnit');
    expect(
      (await post('/staging-jobs', { location: 'cologne_buffer', obsUnit: 'field_0' }).expect(400)).body
        .message,
    ).toBe('location cologne_buffer is a buffer location; staging goes to a processing location');
    await post('/staging-jobs', { location, obsUnit: 'no_such_unit' }).expect(404);
    await post('/staging-jobs', { location, obsUnit: 'field_0' }, h.token).expect(403);
    expect((await h.db.query(`SELECT count(*)::int AS n FROM staging_job`))[0].n).toBe(0);

    const created = await post('/staging-jobs', { location, obsUnit: 'field_0' }).expect(201);
    expect(created.body).toMatchObject({
      status: 'pending',
      location,
      filesTotal: 13,
      filesDone: 0,
      packages: 2,
    });
    const get = () =>
      http.get(`/staging-jobs/${created.body.id}`).set({ Authorization: `Bearer ${h.token}` });
    const done = await waitFor(
      'the staging job to complete',
      async () => {
        const { body } = await get().expect(200);
        if (body.status === 'failed') throw new Error(`staging failed: ${body.failureReason}`);
        return body.status === 'completed' ? body : null;
      },
      60_000,
    );
    expect(done).toMatchObject({ filesDone: 13, packagesStaged: 2, bytesDone: done.bytesTotal });
    expect(done.stagedUnder).toEqual(['ccat/telescope_computer']);
    const staged: { path: string; registered: string; status: string }[] = await h.db.query(
      `SELECT c.relative_path AS path, f.relative_path AS registered, c.status
         FROM physical_copy c JOIN data_location l ON l.id = c.location_id JOIN raw_data_file f ON f.id = c.raw_data_file_id
        WHERE l.location_type = 'processing' AND c.kind = 'raw_data_file'`,
    );
    expect(staged).toHaveLength(13);
    const root = join(h.dataRoot, 'cologne', 'ramses_processing');
    for (const c of staged) {
      expect(c.status).toBe('staged');
      // Below the site and location the file was registered at: relative paths are unique only there.
      expect(c.path).toBe(`ccat/telescope_computer/${c.registered}`);
      expect(sha256(readFileSync(join(root, c.path)))).toBe(h.registered.get(c.registered)!.sha256);
    }
    // While the job holds them, the deletion rules leave the staged files alone.
    await new Promise((r) => setTimeout(r, 2000));
    const still = await h.db.query(
      `SELECT count(*)::int AS n FROM physical_copy c JOIN data_location l ON l.id = c.location_id
        WHERE l.location_type = 'processing' AND c.status = 'staged'`,
    );
    expect(still[0].n).toBe(13);

    const released = await post(`/staging-jobs/${created.body.id}/release`, {}).expect(200);
    expect(released.body.releasedAt).not.toBeNull();
    await post(`/staging-jobs/${created.body.id}/release`, {}).expect(409);
    await waitFor(
      'the staged files to be deleted after the release',
      async () => {
        const rows = await h.db.query(
          `SELECT c.status FROM physical_copy c JOIN data_location l ON l.id = c.location_id WHERE l.location_type = 'processing'`,
        );
        return rows.length === 13 && rows.every((r: { status: string }) => r.status === 'deleted');
      },
      30_000,
    );
    for (const c of staged) expect(existsSync(join(root, c.path))).toBe(false);
  }, 120_000);
});

/**
 * The staging processor itself on a real disk and database, with what the demo topology lacks: a second
 * source location whose instrument writes the same relative paths, and archived packages that fail.
 */
describe('staging from two sources, and jobs that fail (real staging processor, PostgreSQL, disk)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let dataRoot: string;
  let processing: DataLocation;
  let archive: DataLocation;
  let sources: Record<'telescope' | 'chai', DataLocation>;
  let unit: string;
  let moduleId: number;
  let processor: StagingProcessor;
  let copyService: PhysicalCopyService;
  let sequence = 0;

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = await new DataSource(typeOrmOptions(db.url)).initialize();
    dataRoot = join(tmpdir(), `ccat-staging-${randomUUID()}`);
    const small = await seedSmallTopology(ds);
    const locations = ds.getRepository(DataLocation);
    const disk = (siteId: number, name: string, locationType: LocationType) => {
      const rootPath = join(dataRoot, name);
      mkdirSync(rootPath, { recursive: true });
      return locations.save({ siteId, name, locationType, rootPath, storageType: StorageType.DISK });
    };
    const cologne = await ds
      .getRepository(Site)
      .save({ name: 'Cologne', shortName: 'cologne', location: null });
    processing = await disk(cologne.id, 'ramses_processing', LocationType.PROCESSING);
    archive = await disk(cologne.id, 'lta', LocationType.LONG_TERM_ARCHIVE);
    sources = {
      telescope: small.source,
      chai: await disk(small.source.siteId, 'chai_computer', LocationType.SOURCE),
    };
    moduleId = small.modules[0].id;
    unit = await insertObsUnit(ds, { obsUnit: 'two_sources', instrument: small.instrument.name });
    copyService = new PhysicalCopyService(ds);
    processor = new StagingProcessor(ds, new StorageService(new ConfigService({})), copyService);
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
    if (dataRoot) rmSync(dataRoot, { recursive: true, force: true });
  });

  /**
   * An ARCHIVED package of files from `source`, its tar in the archive. A member given `registered` bytes
   * differs from its registration: the unpack refuses it after writing the members before it.
   */
  const archived = async (
    name: string,
    source: DataLocation,
    members: { path: string; data: Buffer; registered?: Buffer }[],
  ) => {
    const p = pack();
    for (const m of members) p.entry({ name: m.path, size: m.data.length }, m.data);
    p.finalize();
    const tar = await buffer(p as unknown as Readable);
    writeFileSync(join(dataRoot, 'lta', `${name}.tar`), tar);
    const { id } = await insertRawDataPackage(ds, unit, {
      name,
      relativePath: `${name}.tar`,
      module: moduleId,
      source: source.id,
      sequence: ++sequence,
      status: OperationStatus.COMPLETED,
      state: PackageState.ARCHIVED,
      size: tar.length,
      sha256: sha256(tar),
      fileCount: members.length,
    });
    for (const m of members)
      // Registered with the checksum of `registered` where given: a file whose bytes changed since.
      await insertRawDataFile(ds, {
        unit,
        path: m.path,
        size: m.data.length,
        sha256: sha256(m.registered ?? m.data),
        module: moduleId,
        source: source.id,
        packageId: id,
      });
    const copy = { kind: CopyKind.RAW_DATA_PACKAGE, rawDataPackageId: id, locationId: archive.id };
    const bytes = { relativePath: `${name}.tar`, size: tar.length, sha256: sha256(tar) };
    await ds.transaction((tx) => copyService.createCopies(tx, [{ ...copy, ...bytes }], { actor: 'test' }));
    return id as string;
  };
  /** A scheduled staging job of these packages to the processing location. */
  const job = async (...packages: string[]) => {
    const [{ id }] = await ds.query(
      `INSERT INTO staging_job (destination_location_id, status, requested_by, request)
       VALUES ($1, 'scheduled', 'test', '{}') RETURNING id`,
      [processing.id],
    );
    await ds.query(
      `INSERT INTO staging_job_package (staging_job_id, raw_data_package_id) SELECT $1, unnest($2::uuid[])`,
      [id, packages],
    );
    return id as string;
  };
  const run = (entityId: string) =>
    processor.handle({ operation: OperationType.STAGING, entityId, locationId: processing.id, attempt: 0 });
  const at = (path: string) => join(dataRoot, 'ramses_processing', path);
  /** The copies at the processing location, with the checksum their file was registered with. */
  const copiesAt = (): Promise<{ path: string; status: string; registered: string }[]> =>
    ds.query(
      `SELECT c.relative_path AS path, c.status, f.sha256 AS registered
         FROM physical_copy c JOIN raw_data_file f ON f.id = c.raw_data_file_id
        WHERE c.location_id = $1 ORDER BY c.relative_path`,
      [processing.id],
    );
  /** Every copy recorded there has its own file's bytes at its path, and nothing else is there. */
  const expectEveryCopyIntact = async () => {
    const copies = await copiesAt();
    for (const c of copies)
      expect([c.path, sha256(readFileSync(at(c.path)))]).toEqual([c.path, c.registered]);
    const files = readdirSync(at(''), { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    expect(files.map((e) => relative(at(''), join(e.parentPath, e.name))).sort()).toEqual(
      copies.map((c) => c.path),
    );
    return copies;
  };
  const shared = { path: 'primecam/shared/scan_0.fits', data: randomBytes(3000) };
  const own = { path: 'primecam/telescope/scan_1.fits', data: randomBytes(2000) };

  it('stages files of two sources with the same relative path side by side, each with its own bytes', async () => {
    const first = await job(
      await archived('a_telescope', sources.telescope, [shared, own]),
      await archived('b_chai', sources.chai, [{ path: shared.path, data: randomBytes(3000) }]),
    );
    await expect(run(first)).resolves.toMatchObject({ staged: 2, files: 3 });
    const copies = await expectEveryCopyIntact();
    expect(copies.map((c) => [c.path, c.status])).toEqual(
      [
        `ccat/chai_computer/${shared.path}`,
        `ccat/telescope_computer/${shared.path}`,
        `ccat/telescope_computer/${own.path}`,
      ].map((path) => [path, 'staged']),
    );
    expect(await new StagingJobService(ds).get(first)).toMatchObject({
      status: 'completed',
      stagedUnder: ['ccat/chai_computer', 'ccat/telescope_computer'],
    });
    // file.staged says where, since the registered path alone no longer does.
    const events = await ds.query(
      `SELECT details FROM event_outbox WHERE type = 'file.staged' ORDER BY details ->> 'stagedUnder'`,
    );
    expect(events.map((e: { details: object }) => e.details)).toEqual([
      { stagingJobId: first, stagedUnder: 'ccat/chai_computer' },
      { stagingJobId: first, stagedUnder: 'ccat/telescope_computer' },
    ]);
  });

  it('a job that fails removes what it wrote, never what another job staged', async () => {
    // The second job shares a_telescope (staged by the first), then fails on a package whose first
    // member has the relative path of a file the first job staged from the other source.
    const bad = await archived('c_chai_bad', sources.chai, [
      { path: own.path, data: randomBytes(1000) },
      { path: 'primecam/chai/scan_9.fits', data: randomBytes(1000), registered: randomBytes(1000) },
    ]);
    const [{ id: telescope }] = await ds.query(`SELECT id FROM raw_data_package WHERE name = 'a_telescope'`);
    const second = await job(telescope, bad);
    await expect(run(second)).rejects.toThrow(/differ/);
    expect((await new StagingJobService(ds).get(second)).status).toBe('failed');
    expect(await expectEveryCopyIntact()).toHaveLength(3);
  });

  it('keeps a file an earlier attempt left unrecorded, never writes over one that differs, and stages a package once when two jobs want it', async () => {
    const left = { path: 'primecam/left/scan_0.fits', data: randomBytes(1500) };
    const other = { path: 'primecam/left/scan_1.fits', data: randomBytes(1500) };
    const pkg = await archived('d_telescope', sources.telescope, [left, other]);
    for (const [f, bytes] of [
      [left, left.data],
      [other, Buffer.from('not the registered file')],
    ] as const) {
      mkdirSync(dirname(at(`ccat/telescope_computer/${f.path}`)), { recursive: true });
      writeFileSync(at(`ccat/telescope_computer/${f.path}`), bytes);
    }
    const before = statSync(at(`ccat/telescope_computer/${left.path}`));
    const refused = await job(pkg);
    await expect(run(refused)).rejects.toThrow(/not written over/);
    expect(readFileSync(at(`ccat/telescope_computer/${other.path}`)).toString()).toBe(
      'not the registered file',
    );
    rmSync(at(`ccat/telescope_computer/${other.path}`));
    // Two jobs at once: one stages, the other waits for it and finds the files recorded.
    const [x, y] = [await job(pkg), await job(pkg)];
    await expect(Promise.all([run(x), run(y)])).resolves.toEqual([
      { staged: 1, files: 2, bytes: 3000 },
      { staged: 1, files: 2, bytes: 3000 },
    ]);
    const after = statSync(at(`ccat/telescope_computer/${left.path}`));
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
    expect((await expectEveryCopyIntact()).filter((c) => c.path.includes('/left/'))).toHaveLength(2);
  });
});
