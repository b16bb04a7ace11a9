import { createHash, randomBytes } from 'node:crypto';
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiskStorage } from './disk-storage';
import { ResumableFile } from './resumable-file';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * The temporary names of a resumable write are fixed, so a link may be planted at them. It is never
 * followed: a fresh start replaces the link by a new regular file (the link's target keeps its bytes), and
 * a resume through a link is no resume but a fresh start.
 */
describe('ResumableFile temporaries (real filesystem)', () => {
  let base: string;
  let root: string;
  let storage: DiskStorage;
  const bytes = randomBytes(64 * 1024);
  const expected = { size: bytes.length, sha256: sha256(bytes) };
  const victim = () => join(base, 'victim.fits');
  const victimBytes = Buffer.from('a file nothing has archived');

  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'ccat-resume-'));
    root = join(base, 'root');
    mkdirSync(join(root, 'd'), { recursive: true });
    storage = new DiskStorage(root);
    writeFileSync(victim(), victimBytes);
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  const part = () => ResumableFile.partName(join(root, 'd', 't.bin'));
  const fill = async (file: ResumableFile, upTo = Infinity) => {
    for (const s of file.segments) {
      if (s.start >= upTo) break;
      await file.writeAt(s, bytes.subarray(s.next, s.end));
    }
  };

  it('resumes the pieces an earlier attempt flushed', async () => {
    const first = await storage.openResumable('d/t.bin', bytes.length, 4);
    await fill(first, bytes.length / 2);
    await first.checkpoint();
    await first.close();
    const second = await storage.openResumable('d/t.bin', bytes.length, 4);
    expect(second.bytesHeld).toBe(bytes.length / 2);
    await fill(second);
    expect(await second.commitInPlace(expected)).toEqual(expected);
    expect(readFileSync(join(root, 'd', 't.bin')).equals(bytes)).toBe(true);
  });

  it('replaces a link planted at the part name by a fresh file, leaving its target as it was', async () => {
    symlinkSync(victim(), part());
    const file = await storage.openResumable('d/t.bin', bytes.length, 2);
    await fill(file);
    await file.commitInPlace(expected);
    expect(readFileSync(victim()).equals(victimBytes)).toBe(true);
    expect(readFileSync(join(root, 'd', 't.bin')).equals(bytes)).toBe(true);
    expect(lstatSync(join(root, 'd', 't.bin')).isFile()).toBe(true);
  });

  it('does not resume through a link that replaced the pieces, nor read progress through one', async () => {
    const first = await storage.openResumable('d/t.bin', bytes.length, 2);
    await fill(first);
    await first.checkpoint();
    await first.close();
    // The same bytes behind a link: still not ours to write into.
    writeFileSync(victim(), bytes);
    unlinkSync(part());
    symlinkSync(victim(), part());
    const second = await storage.openResumable('d/t.bin', bytes.length, 2);
    expect(second.bytesHeld).toBe(0);
    await second.discard();
    expect(readFileSync(victim()).equals(bytes)).toBe(true);

    const progress = `${part()}.json`;
    writeFileSync(
      victim(),
      JSON.stringify({ size: bytes.length, segments: [{ start: 0, end: 10, next: 10 }] }),
    );
    symlinkSync(victim(), progress);
    const third = await storage.openResumable('d/t.bin', bytes.length, 2);
    expect(third.bytesHeld).toBe(0);
    await fill(third);
    await third.checkpoint();
    await third.commitInPlace(expected);
    expect(JSON.parse(readFileSync(victim(), 'utf8')).segments).toHaveLength(1);
  });
});
