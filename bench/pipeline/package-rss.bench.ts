import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { ArchiveMember, writeTar } from '../../src/modules/packages/package-archive';
import { DiskStorage } from '../../src/modules/storage/disk-storage';

/**
 * bench/pipeline (first part): packaging one large raw data package, as the SOURCE worker does it:
 * peak RSS of this process while it tars 2 GiB in 16 files into a buffer, each file verified against its
 * SHA-256 on the way and the tar hashed while written (target: < 200 MB); the wall time, beside the same
 * byte work done by shell tools (sha256sum of every file, tar, sha256sum of the tar).
 */
const TOTAL = Number(process.env.BENCH_PACKAGE_BYTES ?? 2 * 1024 ** 3);
const FILES = 16;
const MiB = 1024 * 1024;

async function makeFile(path: string, size: number, seed: number): Promise<string> {
  const block = Buffer.alloc(MiB);
  for (let i = 0; i < block.length; i += 64)
    createHash('sha512').update(`${seed}:${i}`).digest().copy(block, i);
  const hash = createHash('sha256');
  const out = createWriteStream(path);
  for (let left = size; left > 0; left -= MiB) {
    const chunk = block.subarray(0, Math.min(MiB, left));
    block[0] = (block[0] + 1) & 0xff;
    hash.update(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return hash.digest('hex');
}

async function main(): Promise<void> {
  const base = mkdtempSync(join(tmpdir(), 'ccat-bench-pkg-'));
  const free = statfsSync(base);
  if (free.bavail * free.bsize < 3 * TOTAL) {
    console.log(
      `bench/pipeline package-rss: skipped, needs ${(3 * TOTAL) / 1024 ** 3} GiB free in ${tmpdir()}`,
    );
    return;
  }
  try {
    const source = join(base, 'source');
    const buffer = join(base, 'buffer');
    mkdirSync(join(source, 'obs'), { recursive: true });
    mkdirSync(buffer);
    const members: ArchiveMember[] = [];
    for (let i = 0; i < FILES; i++) {
      const path = `obs/scan_${i}.fits`;
      const size = Math.floor(TOTAL / FILES);
      members.push({ path, size, sha256: await makeFile(join(source, path), size, i), mtime: new Date() });
    }
    const rssBefore = process.memoryUsage().rss;
    const started = process.hrtime.bigint();
    const digest = await writeTar(members, new DiskStorage(source), new DiskStorage(buffer), 'pkg.tar');
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const peakRss = process.resourceUsage().maxRSS * 1024;

    const shellStarted = process.hrtime.bigint();
    const shell = spawnSync(
      'bash',
      [
        '-c',
        `cd ${source} && sha256sum obs/* > /dev/null && tar cf ${buffer}/shell.tar obs && sha256sum ${buffer}/shell.tar > /dev/null && sync`,
      ],
      { stdio: 'inherit' },
    );
    const shellSeconds = Number(process.hrtime.bigint() - shellStarted) / 1e9;
    if (shell.status !== 0) throw new Error('shell baseline failed');

    const gib = TOTAL / 1024 ** 3;
    console.log('\nbench/pipeline package-rss results');
    console.log(
      `  package: ${gib.toFixed(2)} GiB in ${FILES} files -> tar of ${(digest.size / 1024 ** 3).toFixed(2)} GiB`,
    );
    console.log(
      `  peak RSS while packaging: ${(peakRss / MiB).toFixed(0)} MB (before: ${(rssBefore / MiB).toFixed(0)} MB) -> ` +
        `${peakRss < 200 * MiB ? 'meets' : 'MISSES'} target (< 200 MB)`,
    );
    console.log(
      `  our packaging (verify every file, tar, hash, fsync): ${seconds.toFixed(1)} s, ${((gib * 1024) / seconds).toFixed(0)} MiB/s`,
    );
    console.log(
      `  shell tools (sha256sum files, tar, sha256sum tar, sync): ${shellSeconds.toFixed(1)} s; ratio ${(seconds / shellSeconds).toFixed(2)}`,
    );
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  console.error(`bench/pipeline package-rss failed: ${err.message}`);
  process.exit(1);
});
