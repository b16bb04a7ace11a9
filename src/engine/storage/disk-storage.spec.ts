import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
  statfsSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { storageBytes } from '../metrics/storage-metrics';
import { DiskStorage } from './disk-storage';
import {
  ChecksumMismatchError,
  NotRegularFileError,
  ObjectNotFoundError,
  UnsafePathError,
} from './storage-errors';

const readBytesCounted = async () =>
  (await storageBytes.get()).values.find((v) => v.labels.backend === 'disk' && v.labels.direction === 'read')
    ?.value ?? 0;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('DiskStorage (real filesystem)', () => {
  let base: string;
  let root: string;
  let storage: DiskStorage;

  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'ccat-disk-'));
    root = join(base, 'root');
    mkdirSync(root);
    storage = new DiskStorage(root);
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  const leftovers = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.part'));

  it('writes through a temporary name, hashing while streaming, and leaves only the verified file', async () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    const digest = await storage.write('a/b/file.fits', Readable.from([bytes]), {
      size: bytes.length,
      sha256: sha256(bytes),
    });
    expect(digest).toEqual({ size: bytes.length, sha256: sha256(bytes) });
    expect(readFileSync(join(root, 'a/b/file.fits')).equals(bytes)).toBe(true);
    expect(leftovers(join(root, 'a/b'))).toEqual([]);
    expect(await storage.digest('a/b/file.fits')).toEqual(digest);
    expect(await storage.stat('a/b/file.fits')).toEqual({ size: bytes.length });
  });

  it('refuses bytes whose checksum or size differ, leaving no file and no temporary', async () => {
    const bytes = randomBytes(1000);
    await expect(
      storage.write('x.bin', Readable.from([bytes]), { sha256: sha256(Buffer.from('other')) }),
    ).rejects.toBeInstanceOf(ChecksumMismatchError);
    await expect(storage.write('y.bin', Readable.from([bytes]), { size: 999 })).rejects.toThrow(
      /bytes differ/,
    );
    await expect(storage.write('z.bin', Readable.from([bytes]), { size: 1001 })).rejects.toThrow(
      /got 1000 bytes/,
    );
    expect(readdirSync(root)).toEqual([]);
  });

  it('keeps the previous file when a replacement fails verification', async () => {
    await storage.write('keep.txt', Readable.from([Buffer.from('good')]));
    await expect(
      storage.write('keep.txt', Readable.from([Buffer.from('bad!')]), { sha256: sha256(Buffer.from('x')) }),
    ).rejects.toThrow();
    expect(readFileSync(join(root, 'keep.txt'), 'utf8')).toBe('good');
  });

  it('refuses paths that leave the root, lexically or through a link', async () => {
    writeFileSync(join(base, 'secret'), 'outside');
    mkdirSync(join(base, 'elsewhere'));
    symlinkSync(join(base, 'elsewhere'), join(root, 'link'));
    symlinkSync(join(base, 'secret'), join(root, 'secret-link'));
    for (const bad of ['../secret', '/etc/passwd', 'a/../../secret', 'a//b']) {
      await expect(storage.write(bad, Readable.from([Buffer.from('x')]))).rejects.toBeInstanceOf(
        UnsafePathError,
      );
    }
    await expect(storage.write('link/planted', Readable.from([Buffer.from('x')]))).rejects.toThrow(
      /through a link/,
    );
    await expect(storage.read('secret-link')).rejects.toThrow(/through a link/);
    expect(existsSync(join(base, 'elsewhere', 'planted'))).toBe(false);
    // Not even the directories of a refused write are made outside.
    await expect(storage.write('link/a/b/planted', Readable.from([Buffer.from('x')]))).rejects.toThrow(
      /through a link/,
    );
    expect(readdirSync(join(base, 'elsewhere'))).toEqual([]);
  });

  it('deletes a symbolic link as a link, never the file it points to, inside the root or outside', async () => {
    const outside = join(base, 'unarchived.fits');
    writeFileSync(outside, 'only copy, outside');
    await storage.write('d/kept.fits', Readable.from([Buffer.from('only copy, inside')]));
    symlinkSync(outside, join(root, 'd', 'to-outside'));
    symlinkSync(join(root, 'd', 'kept.fits'), join(root, 'd', 'to-inside'));
    symlinkSync('kept.fits', join(root, 'd', 'relative'));
    symlinkSync(join(base, 'nothing'), join(root, 'd', 'dangling'));

    for (const link of ['d/to-outside', 'd/to-inside', 'd/relative', 'd/dangling']) {
      await storage.delete(link);
      expect(lstatSync(join(root, link), { throwIfNoEntry: false })).toBeUndefined();
    }
    expect(readFileSync(outside, 'utf8')).toBe('only copy, outside');
    expect(readFileSync(join(root, 'd', 'kept.fits'), 'utf8')).toBe('only copy, inside');

    // A link among the parent directories still may not lead out of the root.
    mkdirSync(join(base, 'elsewhere'));
    writeFileSync(join(base, 'elsewhere', 'x'), 'outside');
    symlinkSync(join(base, 'elsewhere'), join(root, 'dir-link'));
    await expect(storage.delete('dir-link/x')).rejects.toThrow(/through a link/);
    expect(readFileSync(join(base, 'elsewhere', 'x'), 'utf8')).toBe('outside');
    await expect(storage.delete('d')).rejects.toThrow();
  });

  it('reads only a regular file when asked to, refusing a link at the path (even to identical bytes)', async () => {
    await storage.write('f/real.fits', Readable.from([Buffer.from('0123456789')]));
    symlinkSync(join(root, 'f', 'real.fits'), join(root, 'f', 'link.fits'));
    const only = { regularFileOnly: true };
    expect(await text(await storage.read('f/real.fits', { start: 2, end: 4 }, only))).toBe('234');
    await expect(storage.read('f/link.fits', undefined, only)).rejects.toBeInstanceOf(NotRegularFileError);
    await expect(storage.read('f/link.fits', undefined, only)).rejects.toThrow(/is a symbolic link$/);
    await expect(storage.read('f', undefined, only)).rejects.toThrow(/is a directory$/);
    await expect(storage.read('f/none', undefined, only)).rejects.toBeInstanceOf(ObjectNotFoundError);
    expect(await text(await storage.read('f/link.fits'))).toBe('0123456789');
  });

  it('reads a small regular file whole and a large one as a stream, to the same bytes, counting both', async () => {
    const small = randomBytes(1000);
    const large = randomBytes(300 * 1024);
    const empty = Buffer.alloc(0);
    writeFileSync(join(root, 'small'), small);
    writeFileSync(join(root, 'large'), large);
    writeFileSync(join(root, 'empty'), empty);
    const only = { regularFileOnly: true };
    const before = await readBytesCounted();
    const bytesOf = async (path: string) =>
      Buffer.concat(await (await storage.read(path, undefined, only)).toArray());
    expect(sha256(await bytesOf('small'))).toBe(sha256(small));
    expect(sha256(await bytesOf('large'))).toBe(sha256(large));
    expect((await bytesOf('empty')).length).toBe(0);
    expect((await readBytesCounted()) - before).toBe(small.length + large.length);
  });

  it('follows a root that is re-pointed, and still refuses a link out of the new one', async () => {
    const first = join(base, 'first');
    const second = join(base, 'second');
    mkdirSync(first);
    mkdirSync(second);
    writeFileSync(join(first, 'f'), 'first');
    writeFileSync(join(second, 'f'), 'second');
    writeFileSync(join(base, 'secret'), 'outside');
    symlinkSync(join(base, 'secret'), join(second, 'leak'));
    const mount = join(base, 'mount');
    symlinkSync(first, mount);
    const viaMount = new DiskStorage(mount);
    expect(await text(await viaMount.read('f'))).toBe('first');
    rmSync(mount);
    symlinkSync(second, mount);
    expect(await text(await viaMount.read('f'))).toBe('second');
    await expect(viaMount.read('leak')).rejects.toThrow(/through a link/);
  });

  it('reads ranges, reports missing files, and deletes', async () => {
    await storage.write('r.txt', Readable.from([Buffer.from('0123456789')]));
    expect(await text(await storage.read('r.txt', { start: 3, end: 6 }))).toBe('3456');
    expect(await storage.stat('missing')).toBeNull();
    await expect(storage.read('missing')).rejects.toBeInstanceOf(ObjectNotFoundError);
    await storage.delete('r.txt');
    expect(await storage.stat('r.txt')).toBeNull();
    await storage.delete('r.txt');
  });

  it('removes what a killed earlier attempt at the same target left behind, and nothing else', async () => {
    mkdirSync(join(root, 'd'));
    const stale = join(root, 'd', '.t.bin.0123456789ab.part');
    const otherTarget = join(root, 'd', '.u.bin.0123456789ab.part');
    for (const f of [stale, otherTarget]) {
      writeFileSync(f, 'half');
      utimesSync(f, new Date(Date.now() - 3600_000), new Date(Date.now() - 3600_000));
    }
    const fresh = join(root, 'd', '.t.bin.ffffffffffff.part');
    writeFileSync(fresh, 'in progress elsewhere');
    // A live writer keeps touching its part while this write runs.
    utimesSync(fresh, new Date(), new Date(Date.now() + 10_000));
    await storage.write('d/t.bin', Readable.from([Buffer.from('whole')]));
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(otherTarget)).toBe(true);
    expect(existsSync(fresh)).toBe(true);
  });

  it('reports free and total space', async () => {
    const space = await storage.space();
    // The disk the root is on, as statfs sees it: its size, and the free bytes a user may write.
    const disk = statfsSync(root);
    expect(space.totalBytes).toBe(disk.blocks * disk.bsize);
    expect(space.freeBytes).toBeLessThanOrEqual(space.totalBytes);
    // Others write to this disk meanwhile: free space to within 1 GiB.
    expect(Math.abs(space.freeBytes - disk.bavail * disk.bsize)).toBeLessThan(2 ** 30);
  });

  it('lists the regular files below a prefix with their sizes, never following links', async () => {
    await storage.write('a/b/one.tar', Readable.from([Buffer.from('123')]));
    await storage.write('a/bc/two.tar', Readable.from([Buffer.from('12345')]));
    await storage.write('z/three.tar', Readable.from([Buffer.from('1')]));
    mkdirSync(join(base, 'outside'));
    writeFileSync(join(base, 'outside', 'secret'), 'x');
    symlinkSync(join(base, 'outside'), join(root, 'a', 'link'));
    const all = async (prefix?: string) => {
      const found: { path: string; size: number }[] = [];
      for await (const { path, size } of storage.list(prefix)) found.push({ path, size });
      return found.sort((x, y) => x.path.localeCompare(y.path));
    };
    expect(await all()).toEqual([
      { path: 'a/b/one.tar', size: 3 },
      { path: 'a/bc/two.tar', size: 5 },
      { path: 'z/three.tar', size: 1 },
    ]);
    expect((await all('a/b')).map((o) => o.path)).toEqual(['a/b/one.tar', 'a/bc/two.tar']);
    expect((await all('a/b/')).map((o) => o.path)).toEqual(['a/b/one.tar']);
    expect(await all('nothing/')).toEqual([]);
  });
});
