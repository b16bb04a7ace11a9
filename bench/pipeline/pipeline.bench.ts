import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../../scripts/lib/processes';
import { spread } from './figures';
import { benchLongLink } from './long-link';
import { PipelineRun, timePipeline, writeNight } from './run-pipeline';
import { sdkBaseline } from './sdk-baseline';
import { shellBaseline } from './shell-baseline';

/**
 * bench/pipeline, in one run: (1) 1 GiB in 200 files from registration to verified copies at both archive
 * sites, beside the honest yardstick (the same byte work, S3 included, sdk-baseline.ts) and the shell tools
 * alone, with where the time went and the disk passes per byte; (2) 10,000 files of 1 KiB the same way, in
 * files/s; each BENCH_RUNS (3) times, given as min / median / max;
 * (3) one large file pulled over a modelled long link with 1 and TRANSFER_STREAMS streams; then the
 * packaging RSS benchmark. Sizes can be turned down with the BENCH_* variables for a quick look.
 */
const BIG_BYTES = Number(process.env.BENCH_PIPELINE_BYTES ?? 1024 ** 3);
const BIG_FILES = Number(process.env.BENCH_PIPELINE_FILES ?? 200);
const SMALL_FILES = Number(process.env.BENCH_SMALL_FILES ?? 10_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const LINK_BYTES = Number(process.env.BENCH_LINK_BYTES ?? 128 * 1024 ** 2);
const RTT_MS = 120;
const WINDOW = 2 * 1024 ** 2;
const STREAMS = Number(process.env.TRANSFER_STREAMS ?? 4);
const ARCHIVE_SITES = 2;
const lines: string[] = [];
const report = (line: string) => {
  lines.push(line);
  console.log(line);
};

const medianRun = (runs: PipelineRun[]) =>
  [...runs].sort((a, b) => a.seconds - b.seconds)[Math.floor(runs.length / 2)];

function reportStages(run: PipelineRun): void {
  report(`   where the time went (median run; seconds from the first registration, from the work rows):`);
  for (const s of run.stages)
    report(
      `     ${s.stage.padEnd(24)} ${String(s.rows).padStart(4)} rows, from ${s.firstStartS.toFixed(1).padStart(5)} s to ${s.lastDoneS.toFixed(1).padStart(5)} s, busy ${s.busyS.toFixed(1)} s`,
    );
}

/** Bytes read and written by our disk and S3 backends, per new byte and archive site. */
function passes(run: PipelineRun, bytes: number): number {
  return Object.values(run.storage).reduce((a, b) => a + b, 0) / (bytes * ARCHIVE_SITES);
}

async function bigFiles(): Promise<void> {
  const pipelineRuns: PipelineRun[] = [];
  const shell: number[] = [];
  const sdk: number[] = [];
  let bytes = 0;
  for (let run = 0; run < RUNS; run++) {
    const base = mkdtempSync(join(tmpdir(), 'ccat-bench-big-'));
    try {
      const units = await writeNight(base, 4, BIG_FILES, Math.floor(BIG_BYTES / BIG_FILES));
      bytes = units.flatMap((u) => u.files).reduce((s, f) => s + f.size, 0);
      // The baselines first: once the pipeline has archived the night, the deletion rules empty the instrument disk.
      shell.push(shellBaseline(base, units));
      sdk.push(await sdkBaseline(base, units));
      pipelineRuns.push(await timePipeline('big', base, units));
      console.log(`   (run ${run + 1} of ${RUNS}: pipeline ${pipelineRuns.at(-1)!.seconds.toFixed(1)} s)`);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  }
  const seconds = pipelineRuns.map((r) => r.seconds);
  report(
    `1. ${(bytes / 1024 ** 3).toFixed(2)} GiB in ${BIG_FILES} files, 8 packages; min / median / max of ${RUNS} runs`,
  );
  report(`   pipeline, registration -> verified copies at both archive sites: ${spread(seconds, 1, ' s')}`);
  report(
    `   new data per second: ${spread(
      seconds.map((s) => bytes / 1024 ** 2 / s),
      1,
      ' MiB/s',
    )}`,
  );
  report(`   yardstick, the same byte work with the same S3 work (sdk-baseline.ts): ${spread(sdk, 1, ' s')}`);
  report(`   shell tools only, the archive a cp: ${spread(shell, 1, ' s')}`);
  report(
    `   ratio pipeline / yardstick: ${spread(
      seconds.map((s, i) => s / sdk[i]),
      2,
    )} (what the pipeline adds; target <= 1.0)`,
  );
  report(
    `   ratio pipeline / shell: ${spread(
      seconds.map((s, i) => s / shell[i]),
      2,
    )}`,
  );
  report(
    `   disk passes per byte (our disk and S3 backends' reads and writes / (new bytes x ${ARCHIVE_SITES} sites)): ` +
      spread(
        pipelineRuns.map((r) => passes(r, bytes)),
        2,
      ),
  );
  const median = medianRun(pipelineRuns);
  report(
    `     median run: ${Object.entries(median.storage)
      .sort()
      .map(([k, v]) => `${k} ${(v / (bytes * ARCHIVE_SITES)).toFixed(2)}`)
      .join(', ')}`,
  );
  reportStages(median);
}

async function smallFiles(): Promise<void> {
  const runs: PipelineRun[] = [];
  for (let run = 0; run < RUNS; run++) {
    const base = mkdtempSync(join(tmpdir(), 'ccat-bench-small-'));
    try {
      const units = await writeNight(base, 10, SMALL_FILES, 1024);
      runs.push(await timePipeline('small', base, units));
      console.log(`   (run ${run + 1} of ${RUNS}: ${runs.at(-1)!.seconds.toFixed(1)} s)`);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  }
  report(`2. ${SMALL_FILES} files of 1 KiB in 10 obs units, 20 packages; min / median / max of ${RUNS} runs`);
  report(
    `   registration -> verified copies at both archive sites: ${spread(
      runs.map((r) => r.seconds),
      1,
      ' s',
    )}`,
  );
  report(
    `   files per second: ${spread(
      runs.map((r) => SMALL_FILES / r.seconds),
      0,
    )} (target >= 800)`,
  );
  reportStages(medianRun(runs));
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
