import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { readBackFromArchives } from '../../scripts/lib/archive-proof';
import { readFailures } from '../../scripts/lib/pipeline-progress';
import { OPERATION_SETTINGS } from '../../src/engine/queues/operation-settings';
import { OperationType } from '../../src/engine/queues/operation-type';
import { median, spread } from '../pipeline/figures';
import { register, RunningPipeline, startPipeline, Unit, writeNight } from '../pipeline/run-pipeline';
import { SdkCopyJob } from './sdk-copy';

/**
 * bench/replication: how fast an archive site that missed the history is filled from another archive
 * (ArchiveReplicationManager, issue 19), beside the plain SDK doing the same copy in the same run.
 *
 * Per run (BENCH_REPLICATION_RUNS, 3), on a fresh database and s3rver:
 *  1. history (not timed): BENCH_REPLICATION_GIB (1) GiB in BENCH_REPLICATION_FILES (200) files over 4 obs
 *     units x 2 modules (8 packages), written to the telescope computer, registered and run through the
 *     whole pipeline with the US archive inactive and DELETION_MIN_LTA_SITES=1, until every package is
 *     ARCHIVED at Cologne and every copy outside the archives (sources, buffers, bundles) is deleted;
 *  2. the backfill (timed): the US archive made active; the clock runs from that UPDATE until every
 *     package has lta_site_count = 2. The US worker streams each package from Cologne's worker data port
 *     (which reads Cologne's bucket), checks every file and the SHA-256 as it streams, uploads it, writes
 *     the sidecar and reads both back (LongTermArchiveProcessor). Then, not timed: every transfer into the
 *     US archive came from Cologne's archive, and every archive copy at both sites is read back with the
 *     plain SDK, untarred and hashed against the registrations;
 *  3. the baseline (timed), on the same s3rver, in a child process of its own (bench/replication/sdk-copy.ts,
 *     as the pipeline's copy runs in the US worker, not in the process serving s3rver). Frozen steps:
 *       a. the objects: every package object of the Cologne bucket (`archive/<package path>`) with the
 *          package's SHA-256, as the database records them (read before the clock);
 *       b. one S3Client (forcePathStyle, the SDK's defaults otherwise);
 *       c. per object, as many at a time as a worker runs archive transfers (OPERATION_SETTINGS, 4):
 *          GetObjectCommand on the Cologne bucket, its Body piped through a Transform that feeds a SHA-256,
 *          into `new Upload({ client, params: { Bucket: 'replication-baseline', Key } }).done()` (lib-storage's
 *          part size and queue size defaults), then the digest compared with the package's SHA-256;
 *       d. the clock runs from the first GetObject to the last upload done (the child's start excluded).
 *     That is the pipeline's byte work minus its checks: no database, no queue, no http hop between two
 *     workers, no per-file verification of the tar, no sidecar, no read-back.
 *  4. a second yardstick (timed), to tell what the read-back costs: steps 3a-d again into the bucket
 *     'replication-baseline-readback', each object then read back with GetObjectCommand and hashed (the
 *     clock runs to the last read-back done).
 * Printed per run and as min / median / max, with the ratio pipeline / baseline (seconds over seconds), the
 * figure of record, and pipeline / second yardstick.
 */
const GIB = Number(process.env.BENCH_REPLICATION_GIB ?? 1);
const FILES = Number(process.env.BENCH_REPLICATION_FILES ?? 200);
const RUNS = Number(process.env.BENCH_REPLICATION_RUNS ?? 3);
const UNITS = 4;
const SCRATCH = 'replication-baseline';
const SCRATCH_READBACK = 'replication-baseline-readback';
const COLOGNE_BUCKET = 'ccat-cologne-lta';
const HISTORY_TIMEOUT_MS = 30 * 60_000;
const BACKFILL_TIMEOUT_MS = 30 * 60_000;

interface Run {
  historyS: number;
  packages: number;
  bytes: number;
  pipelineS: number;
  baselineS: number;
  /** The second yardstick: the baseline and a read-back of every object written. */
  readBackS: number;
  /** From the activation: the first transfer into the US archive planned, claimed, and the last one done. */
  firstPlannedS: number;
  firstClaimedS: number;
  lastDoneS: number;
  /** Sum over the transfers into the US archive of claim to completion. */
  busyS: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, timeoutMs: number, db: Client, done: () => Promise<boolean>) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await done()) return;
    const failed = await readFailures(db);
    if (failed.length) throw new Error(`${what}: failed: ${JSON.stringify(failed.slice(0, 3))}`);
    if (Date.now() > deadline) throw new Error(`${what}: not reached in ${timeoutMs / 1000} s`);
    await sleep(100);
  }
}

async function archiveId(db: Client, site: string): Promise<number> {
  const { rows } = await db.query(
    `SELECT l.id FROM data_location l JOIN site s ON s.id = l.site_id WHERE s.short_name = $1 AND l.name = 'lta'`,
    [site],
  );
  return rows[0].id;
}

/** Runs sdk-copy.js in a child process and returns its seconds. */
function baselineInChild(job: SdkCopyJob): Promise<{ seconds: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(__dirname, 'sdk-copy.js'), JSON.stringify(job)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => {
      if (status !== 0) reject(new Error(`the baseline's child exited with ${status}`));
      else resolve(JSON.parse(out) as { seconds: number; bytes: number });
    });
  });
}

/** 1: the history, archived at Cologne alone, everything outside the archives deleted. Returns seconds. */
async function makeHistory(p: RunningPipeline, units: Unit[], usLta: number): Promise<number> {
  const { db } = p;
  await db.query(`UPDATE data_location SET active = false WHERE id = $1`, [usLta]);
  const started = process.hrtime.bigint();
  for (const unit of units) await register(p.client, unit);
  const files = units.reduce((n, u) => n + u.files.length, 0);
  await until('history archived at cologne and freed elsewhere', HISTORY_TIMEOUT_MS, db, async () => {
    const { rows } = await db.query(
      `SELECT (SELECT count(*) FROM raw_data_file f JOIN raw_data_package p ON p.id = f.raw_data_package_id
                WHERE p.state = 'archived')::int AS archived,
              (SELECT count(*) FROM physical_copy c JOIN data_location l ON l.id = c.location_id
                WHERE l.location_type <> 'long_term_archive' AND c.status <> 'deleted')::int AS outside`,
    );
    return rows[0].archived === files && rows[0].outside === 0;
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const { rows } = await db.query(
    `SELECT count(*)::int AS n FROM raw_data_package WHERE lta_site_count <> 1 OR state <> 'archived'`,
  );
  if (rows[0].n !== 0) throw new Error(`${rows[0].n} packages are not archived at exactly one site`);
  return seconds;
}

/** Where the backfill's time went, from the transfers into the US archive (seconds from the activation). */
const BACKFILL_TIMES = `
  SELECT count(*)::int AS transfers,
         count(*) FILTER (WHERE origin_location_id = $3 AND status = 'completed')::int AS "fromCologne",
         extract(epoch FROM min(created_at) - $1::timestamptz)::float8 AS "firstPlannedS",
         extract(epoch FROM min(claimed_at) - $1::timestamptz)::float8 AS "firstClaimedS",
         extract(epoch FROM max(updated_at) - $1::timestamptz)::float8 AS "lastDoneS",
         coalesce(sum(extract(epoch FROM updated_at - claimed_at)), 0)::float8 AS "busyS"
    FROM long_term_archive_transfer WHERE destination_location_id = $2`;

async function oneRun(): Promise<Run> {
  const base = mkdtempSync(join(tmpdir(), 'ccat-bench-replication-'));
  let p: RunningPipeline | undefined;
  try {
    const units = await writeNight(base, UNITS, FILES, Math.floor((GIB * 1024 ** 3) / FILES));
    p = await startPipeline('replication', base, {
      buckets: [SCRATCH, SCRATCH_READBACK],
      publishArchives: true,
      env: { DELETION_MIN_LTA_SITES: '1', ARCHIVE_REPLICATION_MANAGER_INTERVAL: '200ms' },
    });
    const { db } = p;
    const usLta = await archiveId(db, 'us');
    const cologneLta = await archiveId(db, 'cologne');
    const historyS = await makeHistory(p, units, usLta);

    // 2. The backfill.
    const { rows: packages } = await db.query(
      `SELECT p.sha256, p.size::float8 AS size, coalesce(l.s3_prefix, '') || c.relative_path AS key
         FROM raw_data_package p JOIN physical_copy c ON c.raw_data_package_id = p.id
         JOIN data_location l ON l.id = c.location_id
        WHERE l.id = $1 AND c.status = 'present'`,
      [cologneLta],
    );
    const bytes = packages.reduce((s: number, r: { size: number }) => s + r.size, 0);
    const [{ now: activated }] = (await db.query(`SELECT clock_timestamp() AS now`)).rows;
    const started = process.hrtime.bigint();
    await db.query(`UPDATE data_location SET active = true WHERE id = $1`, [usLta]);
    await until('every package at both archive sites', BACKFILL_TIMEOUT_MS, db, async () => {
      const { rows } = await db.query(
        `SELECT count(*) FILTER (WHERE lta_site_count = 2)::int AS done, count(*)::int AS packages FROM raw_data_package`,
      );
      return rows[0].done === rows[0].packages;
    });
    const pipelineS = Number(process.hrtime.bigint() - started) / 1e9;
    const [times] = (await db.query(BACKFILL_TIMES, [activated, usLta, cologneLta])).rows;
    if (times.transfers !== packages.length || times.fromCologne !== packages.length)
      throw new Error(
        `${times.fromCologne} of ${packages.length} packages came from Cologne's archive (${times.transfers} transfers)`,
      );
    const all = units.flatMap((u) => u.files);
    const proof = await readBackFromArchives(db, p.s3, all, 2);
    if (proof.verified !== all.length || proof.problems.length)
      throw new Error(
        `only ${proof.verified} of ${all.length} files verified at both archives: ${proof.problems.slice(0, 3).join('; ')}`,
      );

    // 3. The baseline, on the same s3rver; 4. the second yardstick.
    const job: SdkCopyJob = {
      endpoint: p.s3.endpoint,
      credentials: p.s3.credentials,
      fromBucket: COLOGNE_BUCKET,
      toBucket: SCRATCH,
      objects: packages.map((r: { key: string; sha256: string }) => ({ key: r.key, sha256: r.sha256 })),
      concurrency: OPERATION_SETTINGS[OperationType.LONG_TERM_ARCHIVE_TRANSFER].concurrency,
    };
    const baseline = await baselineInChild(job);
    const readBack = await baselineInChild({ ...job, toBucket: SCRATCH_READBACK, readBack: true });
    for (const copied of [baseline.bytes, readBack.bytes])
      if (copied !== bytes) throw new Error(`a baseline copied ${copied} bytes, not ${bytes}`);
    return {
      historyS,
      packages: packages.length,
      bytes,
      pipelineS,
      baselineS: baseline.seconds,
      readBackS: readBack.seconds,
      firstPlannedS: times.firstPlannedS,
      firstClaimedS: times.firstClaimedS,
      lastDoneS: times.lastDoneS,
      busyS: times.busyS,
    };
  } finally {
    await p?.stop();
    rmSync(base, { recursive: true, force: true });
  }
}

const mib = (run: Run) => run.bytes / 1024 ** 2;
const rate = (run: Run, seconds: number) =>
  `${seconds.toFixed(1)} s (${(mib(run) / seconds).toFixed(1)} MiB/s)`;

function describe(run: Run): string {
  return (
    `pipeline ${rate(run, run.pipelineS)}, ${(run.packages / run.pipelineS).toFixed(2)} packages/s; ` +
    `baseline ${rate(run, run.baselineS)}; ratio ${(run.pipelineS / run.baselineS).toFixed(2)}; ` +
    `baseline + read-back ${rate(run, run.readBackS)}, ratio ${(run.pipelineS / run.readBackS).toFixed(2)}; ` +
    `history made in ${run.historyS.toFixed(1)} s; transfers into us: first planned ${run.firstPlannedS.toFixed(1)} s, ` +
    `first claimed ${run.firstClaimedS.toFixed(1)} s, last done ${run.lastDoneS.toFixed(1)} s, busy ${run.busyS.toFixed(1)} s`
  );
}

async function main(): Promise<void> {
  console.log(
    `bench/replication: ${GIB} GiB of history in ${FILES} files (${UNITS * 2} packages) archived at Cologne alone, ` +
      `then the US archive activated and filled from Cologne's; ${RUNS} run(s)\n`,
  );
  const runs: Run[] = [];
  for (let i = 0; i < RUNS; i++) {
    runs.push(await oneRun());
    console.log(`run ${i + 1} of ${RUNS}: ${describe(runs.at(-1)!)}`);
  }
  const { bytes, packages } = runs[0];
  const line = (label: string, values: (r: Run) => number, digits: number, unit = '') =>
    console.log(`  ${label}: ${spread(runs.map(values), digits, unit)}`);
  console.log(
    `\nbench/replication results: ${(bytes / 1024 ** 2).toFixed(0)} MiB in ${packages} packages; ` +
      `min / median / max of ${RUNS} run(s)`,
  );
  line('pipeline, activation -> every package verified at both sites', (r) => r.pipelineS, 1, ' s');
  line('  MiB/s', (r) => mib(r) / r.pipelineS, 1);
  line('  packages/s', (r) => r.packages / r.pipelineS, 2);
  line('baseline, GetObject piped through SHA-256 into Upload (sdk-copy.ts)', (r) => r.baselineS, 1, ' s');
  line('  MiB/s', (r) => mib(r) / r.baselineS, 1);
  line('ratio pipeline / baseline (seconds)', (r) => r.pipelineS / r.baselineS, 2);
  line('second yardstick, the baseline + read-back of every object', (r) => r.readBackS, 1, ' s');
  line('  MiB/s', (r) => mib(r) / r.readBackS, 1);
  line('ratio pipeline / second yardstick', (r) => r.pipelineS / r.readBackS, 2);
  line('history made (not in the ratios)', (r) => r.historyS, 1, ' s');
  const m = runs.find((r) => r.pipelineS === median(runs.map((x) => x.pipelineS)))!;
  console.log(`  median run: ${describe(m)}`);
}

main().catch((err: Error) => {
  console.error(`bench/replication failed: ${err.message}`);
  process.exit(1);
});
