import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { pack } from 'tar-stream';
import { DiskStorage } from './disk-storage';
import { UnsafeArchiveError, unpackVerified } from './safe-tar';
import { ChecksumMismatchError } from './storage-errors';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

interface Member {
  name: string;
  content?: Buffer;
  type?: 'file' | 'symlink' | 'link' | 'character-device' | 'directory' | 'fifo';
  linkname?: string;
  size?: number;
}

/** A tar built with tar-stream's packer, hostile members included. */
async function tarOf(members: Member[]): Promise<Buffer> {
  const p = pack();
  for (const m of members) {
    const content = m.content ?? Buffer.alloc(0);
    const header = {
      name: m.name,
      type: m.type ?? 'file',
      linkname: m.linkname,
      size: m.size ?? content.length,
    };
    if (m.type && m.type !== 'file') p.entry(header);
    else p.entry(header, content);
  }
  p.finalize();
  return buffer(p as unknown as Readable);
}

describe('unpackVerified (real filesystem, hostile tars)', () => {
  let base: string;
  let root: string;
  let storage: DiskStorage;
  const outside = () => join(base, 'outside');

  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'ccat-tar-'));
    root = join(base, 'root');
    mkdirSync(root);
    storage = new DiskStorage(root);
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  const expectFor = (members: { name: string; content: Buffer }[]) =>
    new Map(members.map((m) => [m.name, { size: m.content.length, sha256: sha256(m.content) }]));

  it('unpacks exactly the expected members, each verified, below the prefix', async () => {
    const files = [
      { name: 'obs/a.fits', content: randomBytes(5000) },
      { name: 'obs/deep/b.fits', content: randomBytes(70_000) },
      { name: 'c.fits', content: Buffer.alloc(0) },
    ];
    const tar = await tarOf([{ name: 'obs/', type: 'directory' }, ...files]);
    const written = await unpackVerified(Readable.from([tar]), storage, 'pkg1', expectFor(files));
    expect(written.size).toBe(3);
    for (const f of files) expect(readFileSync(join(root, 'pkg1', f.name)).equals(f.content)).toBe(true);
  });

  it.each<[string, Member]>([
    ['a parent-directory path', { name: '../outside', content: Buffer.from('x') }],
    ['a nested parent-directory path', { name: 'a/../../outside', content: Buffer.from('x') }],
    ['an absolute path', { name: '/tmp/ccat-evil', content: Buffer.from('x') }],
    ['a symbolic link', { name: 'link', type: 'symlink', linkname: '../outside' }],
    ['a hard link', { name: 'hard', type: 'link', linkname: '/etc/passwd' }],
    ['a character device', { name: 'dev', type: 'character-device' }],
    ['a FIFO', { name: 'fifo', type: 'fifo' }],
  ])('refuses %s and writes nothing outside the root', async (_what, hostile) => {
    const good = { name: 'ok.fits', content: randomBytes(100) };
    const tar = await tarOf([good, hostile]);
    const expected = expectFor([good]);
    await expect(unpackVerified(Readable.from([tar]), storage, '', expected)).rejects.toBeInstanceOf(
      UnsafeArchiveError,
    );
    expect(existsSync(outside())).toBe(false);
    expect(existsSync('/tmp/ccat-evil')).toBe(false);
  });

  it('refuses a member whose header claims more than the limit, before reading it', async () => {
    const big = { name: 'big.fits', content: randomBytes(2048) };
    const tar = await tarOf([big]);
    await expect(
      unpackVerified(Readable.from([tar]), storage, '', expectFor([big]), {
        maxMemberBytes: 1024,
        maxMembers: 10,
      }),
    ).rejects.toThrow(/claims 2048 bytes, over the 1024-byte limit/);
    expect(existsSync(join(root, 'big.fits'))).toBe(false);
  });

  it('refuses members that were not sent, that are missing, or whose bytes differ', async () => {
    const a = { name: 'a.fits', content: randomBytes(300) };
    const b = { name: 'b.fits', content: randomBytes(300) };
    await expect(
      unpackVerified(Readable.from([await tarOf([a, b])]), storage, 'x', expectFor([a])),
    ).rejects.toThrow(/"b.fits" was not expected/);
    await expect(
      unpackVerified(Readable.from([await tarOf([a])]), storage, 'y', expectFor([a, b])),
    ).rejects.toThrow(/lacks 1 expected member\(s\): b.fits/);
    const flipped = Buffer.from(a.content);
    flipped[7] ^= 0x80;
    await expect(
      unpackVerified(
        Readable.from([await tarOf([{ name: 'a.fits', content: flipped }])]),
        storage,
        'z',
        expectFor([a]),
      ),
    ).rejects.toBeInstanceOf(ChecksumMismatchError);
    expect(existsSync(join(root, 'z', 'a.fits'))).toBe(false);
  });
});
