import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { DiskStorage } from './disk-storage';
import { UnsafeArchiveError, unpackVerified } from './safe-tar';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

interface RawHeader {
  name: string;
  /** The 12-byte size field exactly as written (octal text, or raw bytes for base-256). */
  size: string | Buffer;
  type?: string;
}

/** A ustar header written byte by byte, so its fields can say what no packer would write. */
function header(h: RawHeader): Buffer {
  const b = Buffer.alloc(512, 0);
  b.write(h.name, 0, 100, 'utf8');
  b.write('0000644\0', 100);
  b.write('0000000\0', 108);
  b.write('0000000\0', 116);
  if (typeof h.size === 'string') b.write(h.size.padEnd(11, '\0').slice(0, 12), 124, 12, 'latin1');
  else h.size.copy(b, 124, 0, 12);
  b.write('14712345670\0', 136);
  b.write(h.type ?? '0', 156);
  b.write('ustar\0', 257);
  b.write('00', 263);
  b.fill(' ', 148, 156);
  let sum = 0;
  for (const byte of b) sum += byte;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
  return b;
}

const padded = (data: Buffer) => Buffer.concat([data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
const member = (name: string, data: Buffer, type = '0') =>
  Buffer.concat([header({ name, size: data.length.toString(8).padStart(11, '0'), type }), padded(data)]);
const end = Buffer.alloc(1024);

/** A PAX extended header (type x) whose `path` record renames the member after it. */
function paxPath(path: string): Buffer {
  const record = (len: number) => `${len} path=${path}\n`;
  let len = record(0).length;
  while (record(len).length !== len) len = record(len).length;
  return member('PaxHeader', Buffer.from(record(len)), 'x');
}

/** A GNU long-name entry (type L, ././@LongLink) naming the member after it. */
const gnuLongName = (name: string) => member('././@LongLink', Buffer.from(`${name}\0`), 'L');

describe('unpackVerified against hand-made tar headers (real filesystem)', () => {
  let base: string;
  let root: string;
  let storage: DiskStorage;
  const good = randomBytes(600);
  const expected = new Map([['ok.fits', { size: good.length, sha256: sha256(good) }]]);
  const limits = { maxMemberBytes: 1 << 20, maxMembers: 100 };
  const unpack = (tar: Buffer, want = expected) =>
    unpackVerified(Readable.from([tar]), storage, 'pkg', want, limits);

  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'ccat-tar-raw-'));
    root = join(base, 'root');
    mkdirSync(root);
    storage = new DiskStorage(root);
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  /** Nothing at all outside the root, and inside it nothing but finished files (no .part left over). */
  const expectNothingEscaped = () => {
    expect(readdirSync(base).sort()).toEqual(['root']);
    const inside = existsSync(join(root, 'pkg')) ? readdirSync(join(root, 'pkg'), { recursive: true }) : [];
    expect(inside.filter((f) => String(f).includes('.part'))).toEqual([]);
  };

  it('unpacks a hand-made tar that is in order (so the refusals below are about the header)', async () => {
    await expect(unpack(Buffer.concat([member('ok.fits', good), end]))).resolves.toHaveProperty('size', 1);
  });

  it.each<[string, () => Buffer, RegExp]>([
    [
      'a negative size in octal',
      () => Buffer.concat([header({ name: 'ok.fits', size: '-0000000001' }), end]),
      /^not a valid tar after 0 member\(s\): Invalid header/,
    ],
    [
      'a negative size in base-256',
      () =>
        Buffer.concat([header({ name: 'ok.fits', size: Buffer.from([0xff, ...Array(11).fill(0xff)]) }), end]),
      // tar-stream reads it as 0 bytes: refused, as the member is not the size the package says.
      /"ok.fits" is 0 bytes; 600 were expected/,
    ],
    [
      'a size that is not a number',
      () => Buffer.concat([header({ name: 'ok.fits', size: 'zzzzzzzzzzz' }), padded(good), end]),
      /^not a valid tar after 0 member\(s\): Invalid header/,
    ],
    [
      'a size of 8 GiB in a tar of 2 kB',
      () => Buffer.concat([header({ name: 'ok.fits', size: '77777777777' }), padded(good), end]),
      /over the 1048576-byte limit/,
    ],
    [
      'a size past the end of the archive',
      () =>
        Buffer.concat([
          header({ name: 'ok.fits', size: (4096).toString(8).padStart(11, '0') }),
          padded(good),
        ]),
      /^not a valid tar after 1 member\(s\): Unexpected end of data/,
    ],
    [
      'a PAX path that climbs out',
      () => Buffer.concat([paxPath('../../evil.fits'), member('ok.fits', good), end]),
      /\.\./,
    ],
    [
      'a PAX absolute path',
      () => Buffer.concat([paxPath('/tmp/ccat-evil.fits'), member('ok.fits', good), end]),
      /absolute/,
    ],
    [
      'a GNU long name that climbs out',
      () =>
        Buffer.concat([
          gnuLongName(
            `${'a/'.repeat(60)}../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../evil`,
          ),
          member('ok.fits', good),
          end,
        ]),
      /\.\./,
    ],
    [
      'a member named twice',
      () => Buffer.concat([member('ok.fits', good), member('ok.fits', good), end]),
      /appears twice/,
    ],
    [
      'a member other than the package expects',
      () => Buffer.concat([member('other.fits', good), end]),
      /"other.fits" was not expected/,
    ],
    [
      'a hard link by type flag',
      () => Buffer.concat([member('ok.fits', Buffer.alloc(0), '1'), end]),
      /is a link/,
    ],
    [
      'a block device by type flag',
      () => Buffer.concat([member('ok.fits', Buffer.alloc(0), '4'), end]),
      /is a block-device/,
    ],
  ])('refuses %s, with a reason, writing nothing outside', async (_what, tar, reason) => {
    const refusal = await unpack(tar()).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(Error);
    expect((refusal as Error).message).toMatch(reason);
    expectNothingEscaped();
    expect(existsSync('/tmp/ccat-evil.fits')).toBe(false);
  });

  it('refuses an unsafe member as an UnsafeArchiveError, which is never retried', async () => {
    await expect(
      unpack(Buffer.concat([paxPath('a/../../x'), member('ok.fits', good), end])),
    ).rejects.toBeInstanceOf(UnsafeArchiveError);
  });
});
