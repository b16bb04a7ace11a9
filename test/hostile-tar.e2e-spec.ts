import { ConfigService } from '@nestjs/config';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { pack } from 'tar-stream';
import { DataSource } from 'typeorm';
import { typeOrmOptions } from '../src/database/typeorm-options';
import { PhysicalCopyService } from '../src/catalog/physical-copies/physical-copy.service';
import { OperationType } from '../src/engine/queues/operation-type';
import { StorageService } from '../src/engine/storage/storage.service';
import { DataTransferUnpackProcessor } from '../src/pipeline/transfer/data-transfer-unpack.processor';
import { MemberRefetch } from '../src/pipeline/transfer/member-refetch';
import { applyDemoTopology } from './support/processes';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { insertObsUnit, insertRawDataFile, insertRawDataPackage } from './support/factories';
import { OperationStatus } from '../src/engine/work/operation-status';
import { PackageState } from '../src/pipeline/packaging/raw-data-package.states';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

interface Entry {
  name: string;
  data?: Buffer;
  type?: 'file' | 'symlink' | 'link' | 'character-device' | 'block-device' | 'fifo';
  linkname?: string;
}

async function tarOf(entries: Entry[]): Promise<Buffer> {
  const p = pack();
  for (const e of entries) {
    const data = e.data ?? Buffer.alloc(0);
    p.entry({ name: e.name, type: e.type ?? 'file', linkname: e.linkname, size: data.length }, data);
  }
  p.finalize();
  return buffer(p as unknown as Readable);
}

/**
 * Stage 4 at a destination buffer fed bundles that a broken or hostile origin could send: their recorded
 * checksum matches (the transfer was faithful), so only the unpack's own checks stand between them and
 * the disk. Each is refused with its reason, the unpack row FAILED (never retried, never stuck), no copy
 * row written, and nothing on disk outside the buffer or left behind inside it.
 */
describe('hostile tars at the destination buffer (real unpack processor, PostgreSQL, disk)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let dataRoot: string;
  let unpacker: DataTransferUnpackProcessor;
  let buffer: { id: number; root: string };
  let transferId: string;
  let bundle: { id: string; relativePath: string };
  /** The package tars the bundle should hold, by their path in it. */
  const packages = new Map<string, Buffer>();
  const files = new Map<string, Buffer>();

  beforeAll(async () => {
    db = await createTestDatabase();
    ({ dataRoot } = applyDemoTopology(db.url));
    ds = await new DataSource(typeOrmOptions(db.url)).initialize();
    unpacker = new DataTransferUnpackProcessor(
      ds,
      new StorageService(new ConfigService({})),
      new PhysicalCopyService(ds),
      // Nothing here is fetched again: every refusal is of the bundle's structure or of a record.
      new MemberRefetch(ds, new StorageService(new ConfigService({})), {} as never),
    );
    const [ids] = await ds.query(
      `SELECT (SELECT l.id FROM data_location l JOIN site s ON s.id = l.site_id WHERE s.short_name = 'ccat' AND l.name = 'buffer') AS origin,
              (SELECT l.id FROM data_location l JOIN site s ON s.id = l.site_id WHERE s.short_name = 'cologne' AND l.name = 'buffer') AS destination`,
    );
    buffer = { id: ids.destination, root: join(dataRoot, 'cologne', 'buffer') };
    mkdirSync(buffer.root, { recursive: true });
    const unit = await insertObsUnit(ds, { obsUnit: 'hostile' });
    bundle = { id: randomUUID(), relativePath: `bundles/${unit}.tar` };
    await ds.query(
      `INSERT INTO data_transfer_package (id, name, relative_path, origin_location_id, status, size, sha256, package_count)
       VALUES ($1, $2, $3, $4, 'completed', 0, $5, 2)`,
      [bundle.id, `bundle_${unit}`, bundle.relativePath, ids.origin, '0'.repeat(64)],
    );
    for (const n of [1, 2]) {
      const entries = [0, 1].map((i) => ({
        name: `${unit}/p${n}/scan_${i}.fits`,
        data: randomBytes(3000 + i),
      }));
      const tar = await tarOf(entries);
      const path = `primecam/${unit}/pcam_280_00${n}.tar`;
      packages.set(path, tar);
      const { id } = await insertRawDataPackage(ds, unit, {
        name: `${unit}_${n}`,
        relativePath: path,
        sequence: n,
        status: OperationStatus.COMPLETED,
        state: PackageState.TRANSFERRING,
        size: tar.length,
        sha256: sha256(tar),
        fileCount: 2,
        dataTransferPackageId: bundle.id,
      });
      for (const e of entries) {
        files.set(e.name, e.data);
        await insertRawDataFile(ds, { unit, path: e.name, bytes: e.data, packageId: id });
      }
    }
    [{ id: transferId }] = await ds.query(
      `INSERT INTO data_transfer (data_transfer_package_id, origin_location_id, destination_location_id, method, status, unpack_status)
       VALUES ($1, $2, $3, 'local', 'completed', 'pending') RETURNING id`,
      [bundle.id, ids.origin, ids.destination],
    );
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
    if (dataRoot) rmSync(dataRoot, { recursive: true, force: true });
  });

  /** Puts `tar` at the destination as the transferred bundle, recorded with its own size and checksum. */
  const arrive = async (tar: Buffer) => {
    mkdirSync(join(buffer.root, 'bundles'), { recursive: true });
    writeFileSync(join(buffer.root, bundle.relativePath), tar);
    await ds.query(`UPDATE data_transfer_package SET size = $2, sha256 = $3 WHERE id = $1`, [
      bundle.id,
      tar.length,
      sha256(tar),
    ]);
    await ds.query(
      `UPDATE data_transfer SET unpack_status = 'scheduled', failure_reason = NULL WHERE id = $1`,
      [transferId],
    );
  };
  const unpack = () =>
    unpacker.handle({
      operation: OperationType.DATA_TRANSFER_UNPACKING,
      entityId: transferId,
      locationId: buffer.id,
      attempt: 0,
    });
  const transfer = async () =>
    (
      await ds.query(`SELECT unpack_status, failure_reason FROM data_transfer WHERE id = $1`, [transferId])
    )[0];
  const packageCopies = async () =>
    (
      await ds.query(
        `SELECT count(*)::int AS n FROM physical_copy WHERE kind = 'raw_data_package' AND location_id = $1`,
        [buffer.id],
      )
    )[0].n;
  /** Every file under the data root, relative to it (empty directories a failed unpack leaves are harmless). */
  const tree = () =>
    readdirSync(dataRoot, { recursive: true, withFileTypes: true })
      .filter((e) => !e.isDirectory())
      .map((e) => join(e.parentPath, e.name))
      .sort();

  const goodPackages = () => [...packages].map(([name, data]) => ({ name, data }));
  const [firstPackage, secondPackage] = [() => goodPackages()[0], () => goodPackages()[1]];
  const evil = `/tmp/ccat-hostile-${process.pid}.tar`;

  it.each<[string, () => Promise<Entry[]>, RegExp]>([
    [
      'a member that climbs out',
      async () => [firstPackage(), { name: '../../../escape.tar', data: Buffer.from('x') }],
      /must not contain \.\./,
    ],
    [
      'a nested climb',
      async () => [firstPackage(), { name: 'primecam/a/../../../../escape.tar', data: Buffer.from('x') }],
      /must not contain \.\./,
    ],
    [
      'an absolute member',
      async () => [firstPackage(), { name: evil, data: Buffer.from('x') }],
      /must be relative/,
    ],
    [
      'a symbolic link',
      async () => [firstPackage(), { name: secondPackage().name, type: 'symlink', linkname: '/etc' }],
      /is a symlink/,
    ],
    [
      'a hard link',
      async () => [firstPackage(), { name: secondPackage().name, type: 'link', linkname: '/etc/passwd' }],
      /is a link/,
    ],
    [
      'a character device',
      async () => [firstPackage(), { name: secondPackage().name, type: 'character-device' }],
      /is a character-device/,
    ],
    ['a FIFO', async () => [firstPackage(), { name: secondPackage().name, type: 'fifo' }], /is a fifo/],
    ['a package twice', async () => [firstPackage(), firstPackage(), secondPackage()], /appears twice/],
    [
      'a member the bundle does not hold',
      async () => [firstPackage(), { name: 'primecam/other.tar', data: Buffer.from('x') }],
      /is not one of its packages/,
    ],
    [
      'a package whose raw file climbs out',
      async () => {
        const [path] = [...packages.keys()];
        const inner = await tarOf([{ name: '../../../../escape.fits', data: Buffer.from('x') }]);
        // Recorded with its own checksum: only the check of the files inside can catch it.
        await ds.query(`UPDATE raw_data_package SET size = $2, sha256 = $3 WHERE relative_path = $1`, [
          path,
          inner.length,
          sha256(inner),
        ]);
        return [{ name: path, data: inner }, secondPackage()];
      },
      /must not contain \.\./,
    ],
  ])(
    'refuses %s: unpack FAILED with the reason, no copy, nothing written',
    async (_what, entries, reason) => {
      await arrive(await tarOf(await entries()));
      const before = tree();
      await expect(unpack()).rejects.toThrow(reason);
      expect(await transfer()).toEqual({
        unpack_status: 'failed',
        failure_reason: expect.stringMatching(reason),
      });
      expect(await packageCopies()).toBe(0);
      // Only the bundle changed on disk: no escapee, no package tar left half or whole, no .part.
      expect(tree()).toEqual(before);
      expect(existsSync(evil)).toBe(false);
      expect(existsSync(join(dataRoot, '..', 'escape.tar'))).toBe(false);
      // Put back what the hostile case changed.
      for (const [path, data] of packages)
        await ds.query(`UPDATE raw_data_package SET size = $2, sha256 = $3 WHERE relative_path = $1`, [
          path,
          data.length,
          sha256(data),
        ]);
    },
  );

  it('unpacks the same bundle when it is what was sent (so each refusal above is about the tar)', async () => {
    await arrive(await tarOf(goodPackages()));
    await expect(unpack()).resolves.toEqual({ unpacked: 2 });
    expect(await packageCopies()).toBe(2);
  });
});
