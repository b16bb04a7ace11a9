import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statfsSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { ArchiveMember, writeTar } from '../../src/pipeline/packaging/package-archive';
import { DiskStorage } from '../../src/engine/storage/disk-storage';

/**
 * bench/pipeline (first part): packaging one large raw data package, as the SOURCE worker does it:
 * peak RSS of a process that does nothing else (started like a worker, with the worker's Node flags)
 * while it tars the package (2 GiB in 16 files by default; BENCH_PACKAGE_GIB or BENCH_PACKAGE_BYTES set
 * the size) into a buffer, each file verified against its SHA-256 on the way and the tar hashed while
 * written (target: < 200 MB); the wall time, beside the same byte work done by shell tools (sha256sum of
 * every file, tar, sha256sum of the tar). Skipped, saying so, when the disk has not room for the files,
 * the tar and a quarter more.
 */
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const TOTAL = process.env.BENCH_PACKAGE_GIB
  ? Math.round(Number(process.env.BENCH_PACKAGE_GIB) * GiB)
  : Number(process.env.BENCH_PACKAGE_BYTES ?? 2 * GiB);
const FILES = Math.max(16, Math.ceil(TOTAL / (640 * MiB)));
/** The Node flags the worker runs with (none today): the packaging child gets the same. */
const WORKER_NODE_FLAGS: string[] = [];

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

interface PackagingResult {
  size: number;
  seconds: number;
  peakRss: number;
  rssBefore: number;
}

/** The child: packages the members listed in `job` and prints what it measured, as JSON, last. */
async function packageInChild(job: string): Promise<void> {
  const { source, buffer, members } = JSON.parse(readFileSync(job, 'utf8')) as {
    source: string;
    buffer: string;
    members: (ArchiveMember & { mtime: string })[];
  };
  const rssBefore = process.memoryUsage().rss;
  const started = process.hrtime.bigint();
  const digest = await writeTar(
    members.map((m) => ({ ...m, mtime: new Date(m.mtime) })),
    new DiskStorage(source),
    new DiskStorage(buffer),
    'pkg.tar',
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const result: PackagingResult = {
    size: digest.size,
    seconds,
    peakRss: process.resourceUsage().maxRSS * 1024,
    rssBefore,
  };
  console.log(JSON.stringify(result));
}

async function main(): Promise<void> {
  const base = mkdtempSync(join(tmpdir(), 'ccat-bench-pkg-'));
  const free = statfsSync(base);
  const needed = 2.5 * TOTAL;
  if (free.bavail * free.bsize < needed) {
    rmSync(base, { recursive: true, force: true });
    console.log(
      `bench/pipeline package-rss: SKIPPED: packaging ${(TOTAL / GiB).toFixed(1)} GiB needs ` +
        `${(needed / GiB).toFixed(1)} GiB free in ${tmpdir()}, which has ${((free.bavail * free.bsize) / GiB).toFixed(1)} GiB`,
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
    // Packaging runs in a process of its own, so its peak RSS is the packaging's, not the file writing's.
    const job = join(base, 'job.json');
    writeFileSync(job, JSON.stringify({ source, buffer, members }));
    const child = spawnSync(process.execPath, [...WORKER_NODE_FLAGS, __filename, '--package', job], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    if (child.status !== 0) throw new Error(`packaging child failed (${child.status}): ${child.stdout}`);
    const { size, seconds, peakRss, rssBefore } = JSON.parse(
      child.stdout.trim().split('\n').pop()!,
    ) as PackagingResult;
    // The tar is not needed again: remove it, so the shell's tar fits in the room checked above.
    rmSync(join(buffer, 'pkg.tar'));

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

    const gib = TOTAL / GiB;
    console.log('\nbench/pipeline package-rss results');
    console.log(
      `  package: ${gib.toFixed(2)} GiB in ${FILES} files -> tar of ${(size / GiB).toFixed(2)} GiB`,
    );
    console.log(
      `  peak RSS of the packaging process: ${(peakRss / MiB).toFixed(0)} MB (before: ${(rssBefore / MiB).toFixed(0)} MB) -> ` +
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

const packageJob = process.argv.indexOf('--package');
(packageJob > 0 ? packageInChild(process.argv[packageJob + 1]) : main()).catch((err: Error) => {
  console.error(`bench/pipeline package-rss failed: ${err.message}`);
  process.exit(1);
});
