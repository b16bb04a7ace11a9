import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiskStorage } from '../../engine/storage/disk-storage';
import { readTar } from '../../engine/storage/safe-tar';
import { ArchiveMember, changedSourceFile, SourceFileError, writeTar } from './package-archive';

describe('changedSourceFile', () => {
  it('names the file a packaging failure found changed or missing at its source, through operator resets', () => {
    const changed =
      'primecam/u1/pcam_280/scan_0.fits changed on disk /data/ccat/telescope_computer since its registration: disk …';
    expect(changedSourceFile(changed)).toBe('primecam/u1/pcam_280/scan_0.fits');
    expect(changedSourceFile(`reset by token:ops after: ${changed}`)).toBe(
      'primecam/u1/pcam_280/scan_0.fits',
    );
    expect(
      changedSourceFile('a/b.fits is recorded but missing from disk /data/ccat/telescope_computer'),
    ).toBe('a/b.fits');
  });

  it('names none for other failures', () => {
    expect(changedSourceFile('no buffer at the source site can take data: none is active')).toBeNull();
    expect(changedSourceFile(null)).toBeNull();
  });
});

describe('writeTar (real filesystem)', () => {
  let base: string;
  let source: DiskStorage;
  let destination: DiskStorage;
  const member = (path: string, bytes: Buffer): ArchiveMember => ({
    path,
    size: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    mtime: new Date(0),
  });

  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'ccat-tar-'));
    mkdirSync(join(base, 'src'));
    source = new DiskStorage(join(base, 'src'));
    destination = new DiskStorage(join(base, 'dst'));
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  it('writes every member in order, small ones opened ahead and a large one streamed, each verified', async () => {
    const members = Array.from({ length: 40 }, (_, i) => {
      const bytes = randomBytes(i === 20 ? 600 * 1024 : 100 + i);
      writeFileSync(join(base, 'src', `f${i}`), bytes);
      return member(`f${i}`, bytes);
    });
    const digest = await writeTar(members, source, destination, 'p.tar');
    const names: string[] = [];
    await readTar(await destination.read('p.tar'), async (name, size, content) => {
      names.push(name);
      const bytes = Buffer.concat(await content.toArray());
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(members[names.length - 1].sha256);
    });
    expect(names).toEqual(members.map((m) => m.path));
    expect(digest.size).toBe(statSync(join(base, 'dst', 'p.tar')).size);
  });

  it('reports the first member that differs, though later ones were opened ahead, and keeps nothing', async () => {
    const members = Array.from({ length: 12 }, (_, i) => {
      const bytes = randomBytes(64);
      writeFileSync(join(base, 'src', `f${i}`), bytes);
      return member(`f${i}`, bytes);
    });
    writeFileSync(join(base, 'src', 'f3'), randomBytes(64)); // changed
    rmSync(join(base, 'src', 'f5')); // gone, and opened ahead of f3's turn
    const failure = await writeTar(members, source, destination, 'p.tar').catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(SourceFileError);
    expect(failure).toMatchObject({ path: 'f3', loss: 'checksum' });
    expect(existsSync(join(base, 'dst', 'p.tar'))).toBe(false);
    expect(readdirSync(join(base, 'dst'))).toEqual([]);
  });
});
