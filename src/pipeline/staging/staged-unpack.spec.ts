import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { pack } from 'tar-stream';
import { DiskStorage } from '../../engine/storage/disk-storage';
import { unpackPackageTo } from './staged-unpack';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

interface Entry {
  name: string;
  data?: Buffer;
  type?: 'file' | 'symlink' | 'link' | 'block-device' | 'fifo';
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

/** Staging (LTA → PROCESSING) unpacks package tars itself: the same hostile members, on a real disk. */
describe('unpackPackageTo with hostile package tars', () => {
  let base: string;
  let root: string;
  const a = { name: 'obs/a.fits', data: randomBytes(4000) };
  const b = { name: 'obs/b.fits', data: randomBytes(4000) };
  const under = 'ccat/telescope_computer';
  const files = new Map(
    [a, b].map((f) => [f.name, { size: f.data.length, sha256: sha256(f.data), path: `${under}/${f.name}` }]),
  );

  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'ccat-staging-tar-'));
    root = join(base, 'processing');
    mkdirSync(root);
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  /** The tar recorded with its own size and checksum, so only the member checks can refuse it. */
  const stage = async (entries: Entry[], keep: string[] = []) => {
    const tar = await tarOf(entries);
    return unpackPackageTo(
      Readable.from([tar]),
      new DiskStorage(root),
      { pkg: { size: tar.length, sha256: sha256(tar) }, label: 'pkg_1', files },
      new Set(keep),
    );
  };
  const filesUnder = (dir: string) =>
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => !e.isDirectory())
      .map((e) => join(e.parentPath, e.name));

  it('stages a package that is in order, each file at its own path', async () => {
    await expect(stage([a, b])).resolves.toEqual([a.name, b.name]);
    expect(readFileSync(join(root, under, a.name))).toEqual(a.data);
  });

  it('checks the files it keeps without writing them, and on failure leaves them where they were', async () => {
    const kept = join(root, under, a.name);
    mkdirSync(dirname(kept), { recursive: true });
    writeFileSync(kept, a.data);
    await expect(stage([a, b], [a.name])).resolves.toEqual([b.name]);
    rmSync(join(root, under, b.name));
    // A later member refused: the member written in this call goes, the kept one stays.
    await expect(stage([a, b, { name: 'obs/c.fits', data: Buffer.from('x') }], [a.name])).rejects.toThrow(
      /which it should not/,
    );
    expect(filesUnder(base)).toEqual([kept]);
    // A kept member is still checked against its registration.
    await expect(stage([{ ...a, data: randomBytes(4000) }, b], [a.name])).rejects.toThrow(/differ/);
    expect(readFileSync(kept)).toEqual(a.data);
  });

  it.each<[string, Entry, RegExp]>([
    [
      'a member that climbs out',
      { name: '../../escape.fits', data: Buffer.from('x') },
      /must not contain \.\./,
    ],
    [
      'an absolute member',
      { name: `${tmpdir()}/ccat-staged-evil`, data: Buffer.from('x') },
      /must be relative/,
    ],
    ['a symbolic link', { name: b.name, type: 'symlink', linkname: '/etc' }, /is a symlink/],
    ['a hard link', { name: b.name, type: 'link', linkname: '/etc/passwd' }, /is a link/],
    ['a block device', { name: b.name, type: 'block-device' }, /is a block-device/],
    ['a FIFO', { name: b.name, type: 'fifo' }, /is a fifo/],
    ['a file twice', a, /twice/],
    [
      'a file the package does not hold',
      { name: 'obs/c.fits', data: Buffer.from('x') },
      /which it should not/,
    ],
  ])('refuses %s, and removes what it had written', async (_what, hostile, reason) => {
    await expect(stage([a, hostile])).rejects.toThrow(reason);
    expect(filesUnder(base)).toEqual([]);
  });
});
