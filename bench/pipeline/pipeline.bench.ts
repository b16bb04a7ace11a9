import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../../scripts/lib/processes';
import { benchLongLink } from './long-link';
import { timePipeline, writeNight } from './run-pipeline';
import { shellBaseline } from './shell-baseline';

/**
 * bench/pipeline, in one run: (1) 1 GiB in 200 files from registration to verified copies at both archive
 * sites, beside the same byte work by shell tools; (2) 10,000 files of 1 KiB the same way, in files/s;
 * (3) one large file pulled over a modelled long link with 1 and TRANSFER_STREAMS streams; then the
 * packaging RSS benchmark. Sizes can be turned down with the BENCH_* variables for a quick look.
 */
const BIG_BYTES = Number(process.env.BENCH_PIPELINE_BYTES ?? 1024 ** 3);
const BIG_FILES = Number(process.env.BENCH_PIPELINE_FILES ?? 200);
const SMALL_FILES = Number(process.env.BENCH_SMALL_FILES ?? 10_000);
const LINK_BYTES = Number(process.env.BENCH_LINK_BYTES ?? 128 * 1024 ** 2);
const RTT_MS = 120;
const WINDOW = 2 * 1024 ** 2;
const STREAMS = Number(process.env.TRANSFER_STREAMS ?? 4);
const lines: string[] = [];
const report = (line: string) => {
  lines.push(line);
  console.log(line);
};

async function bigFiles(): Promise<void> {
  const base = mkdtempSync(join(tmpdir(), 'ccat-bench-big-'));
  try {
    const units = await writeNight(base, 4, BIG_FILES, Math.floor(BIG_BYTES / BIG_FILES));
    const bytes = units.flatMap((u) => u.files).reduce((s, f) => s + f.size, 0);
    // The shell first: once the pipeline has archived the night, the deletion rules empty the instrument disk.
    const shell = shellBaseline(base, units);
    const seconds = await timePipeline('big', base, units);
    report(`1. ${(bytes / 1024 ** 3).toFixed(2)} GiB in ${BIG_FILES} files, 8 packages`);
    report(
      `   pipeline, registration -> verified copies at both archive sites (then read back independently): ` +
        `${seconds.toFixed(1)} s, ${(bytes / 1024 ** 2 / seconds).toFixed(1)} MiB/s of new data`,
    );
    report(`   shell tools, the same byte work for two sites: ${shell.toFixed(1)} s`);
    report(`   ratio pipeline / shell: ${(seconds / shell).toFixed(2)} (target <= 1.0)`);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

async function smallFiles(): Promise<void> {
  const base = mkdtempSync(join(tmpdir(), 'ccat-bench-small-'));
  try {
    const units = await writeNight(base, 10, SMALL_FILES, 1024);
    const seconds = await timePipeline('small', base, units);
    report(`2. ${SMALL_FILES} files of 1 KiB in 10 obs units, 20 packages`);
    report(
      `   registration -> verified copies at both archive sites: ${seconds.toFixed(1)} s, ` +
        `${(SMALL_FILES / seconds).toFixed(0)} files/s (target >= 500)`,
    );
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

async function longLink(): Promise<void> {
  const streams = [...new Set([1, STREAMS])];
  const results = await benchLongLink({ bytes: LINK_BYTES, rttMs: RTT_MS, windowBytes: WINDOW, streams });
  report(
    `3. one ${LINK_BYTES / 1024 ** 2} MiB file pulled from the ccat worker's data port, SHA-256 verified; ` +
      `long link modelled as ${RTT_MS} ms RTT and a ${WINDOW / 1024 ** 2} MiB window per connection ` +
      `(one stream at most ${(WINDOW / 1024 ** 2 / (RTT_MS / 1000)).toFixed(1)} MiB/s)`,
  );
  for (const r of results)
    report(
      `   ${r.through.padEnd(9)} ${r.streams} stream(s): ${r.seconds.toFixed(1)} s, ${r.mibPerSecond.toFixed(1)} MiB/s`,
    );
}

async function main(): Promise<void> {
  console.log('bench/pipeline (this takes a few minutes)\n');
  await bigFiles();
  await smallFiles();
  await longLink();
  console.log('\nbench/pipeline results');
  for (const line of lines) console.log(line);
  console.log('\n4. packaging RSS (bench/pipeline/package-rss.bench.ts):');
  const rss = spawnSync(process.execPath, [join(ROOT, 'dist', 'bench', 'pipeline', 'package-rss.bench.js')], {
    stdio: 'inherit',
  });
  if (rss.status !== 0) process.exitCode = 1;
}

main().catch((err: Error) => {
  console.error(`bench/pipeline failed: ${err.message}`);
  process.exit(1);
});
