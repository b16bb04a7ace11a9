import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { recreateDatabase } from '../../scripts/lib/database';
import { cli, ROOT } from '../../scripts/lib/processes';
import { generateHistory } from './generate-history';
import type { Run } from './measure';
import { printFindings, printIdle, printNewFiles, printRequests, printStatus } from './report';

/**
 * bench/scale: does the managers' cost grow with their work, not with the history?
 *  - a fresh database with the demo topology and a year of history made by SQL (BENCH_SCALE_FILES raw
 *    files, 1,000,000 by default, in packages of 1,000), and a second one with the topology only;
 *  (a) the idle cycle of every registered manager, run in process BENCH_SCALE_CYCLES times: median, p95;
 *  (b) the cycles that take 1,000 new files through the stages the managers run without workers, against
 *      the history and against the empty database, and their ratio (target <= 1.5);
 *  (c) EXPLAIN of every statement the managers ran, and of the status, overview and metrics reads, with
 *      sequential scans of history tables flagged; the status reads timed at this size;
 *  (d) bench/pipeline/package-rss.bench.ts with a BENCH_SCALE_PACKAGE_GIB package (10; 0 skips it).
 * Targets: idle cycle < 20 ms; new-files ratio <= 1.5; no sequential scan of a history table; < 200 MB.
 */
const SERVER_URL = process.env.DEMO_DATABASE_SERVER_URL ?? 'postgres://postgres@127.0.0.1:5432';
const FILES = Number(process.env.BENCH_SCALE_FILES ?? 1_000_000);
const FILES_PER_PACKAGE = Number(process.env.BENCH_SCALE_FILES_PER_PACKAGE ?? 1000);
const CYCLES = Number(process.env.BENCH_SCALE_CYCLES ?? 50);
const NEW_FILE_ROUNDS = Number(process.env.BENCH_SCALE_NEW_FILE_ROUNDS ?? 5);
const PACKAGE_GIB = Number(process.env.BENCH_SCALE_PACKAGE_GIB ?? 10);
/** Keep the databases afterwards, and reuse a history database of a previous run (re-migrated). */
const KEEP = Boolean(process.env.BENCH_SCALE_KEEP);
const REUSE = Boolean(process.env.BENCH_SCALE_REUSE);
const BIG = 'ccat_bench_scale_history';
const EMPTY = 'ccat_bench_scale_empty';

async function databaseExists(name: string): Promise<boolean> {
  const db = new Client({ connectionString: `${SERVER_URL}/postgres` });
  await db.connect();
  try {
    return (await db.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [name])).rowCount === 1;
  } finally {
    await db.end();
  }
}

/** A database migrated and with the demo topology; with REUSE an existing one is only migrated. */
async function prepare(name: string, dataRoot: string, reuse: boolean): Promise<string> {
  const url = reuse ? `${SERVER_URL}/${name}` : await recreateDatabase(SERVER_URL, name);
  const env = { ...process.env, DATABASE_URL: url, CCAT_DATA_ROOT: dataRoot };
  cli(['migrate'], env);
  if (!reuse) cli(['topology', 'apply', join(ROOT, 'config', 'topology.demo.yaml')], env);
  return url;
}

/** A namespace of its own in the shared Redis, for one run of the managers. */
function redisNamespace(): { QUEUE_PREFIX: string; REDIS_KEY_PREFIX: string } {
  const id = `scale${process.pid}${randomBytes(3).toString('hex')}`;
  return { QUEUE_PREFIX: `bull-${id}`, REDIS_KEY_PREFIX: `${id}:` };
}

/** One database measured by measure-run.ts in a process of its own, in a Redis namespace of its own. */
function measure(url: string, dataRoot: string, label: string): Run {
  console.log(
    `\n[${label}] managers in process: warm-up, ${CYCLES} idle cycles each, ${NEW_FILE_ROUNDS} rounds of new files`,
  );
  // Kept after the run: the figures of a long measurement outlive a failure of the next one.
  const out = join(tmpdir(), `ccat-bench-scale-${label.replace(/\W+/g, '_')}.json`);
  const child = spawnSync(process.execPath, [join(__dirname, 'measure-run.js'), out], {
    env: {
      ...process.env,
      ...redisNamespace(),
      DATABASE_URL: url,
      CCAT_DATA_ROOT: dataRoot,
      LOG_LEVEL: 'warn',
      BENCH_SCALE_CYCLES: String(CYCLES),
      BENCH_SCALE_NEW_FILE_ROUNDS: String(NEW_FILE_ROUNDS),
    },
    stdio: 'inherit',
  });
  if (child.status !== 0) throw new Error(`measuring ${label} failed (${child.status})`);
  console.log(`  (figures in ${out})`);
  return JSON.parse(readFileSync(out, 'utf8')) as Run;
}

function packageRss(): void {
  if (PACKAGE_GIB <= 0) return console.log('\n(d) packaging RSS: skipped (BENCH_SCALE_PACKAGE_GIB=0)');
  console.log(`\n(d) packaging RSS with a ${PACKAGE_GIB} GiB package (bench/pipeline/package-rss.bench.ts):`);
  const rss = spawnSync(process.execPath, [join(ROOT, 'dist', 'bench', 'pipeline', 'package-rss.bench.js')], {
    env: { ...process.env, BENCH_PACKAGE_GIB: String(PACKAGE_GIB) },
    stdio: 'inherit',
  });
  if (rss.status !== 0) console.log(`  package-rss exited with ${rss.status}`);
}

async function main(): Promise<void> {
  const dataRoot = mkdtempSync(join(tmpdir(), 'ccat-bench-scale-'));
  try {
    const reuse = REUSE && (await databaseExists(BIG));
    const bigUrl = await prepare(BIG, dataRoot, reuse);
    if (reuse) {
      console.log(`(reusing the history in ${BIG}, migrated; ANALYZE)`);
      const db = new Client({ connectionString: bigUrl });
      await db.connect();
      await db.query('ANALYZE');
      await db.end();
    } else {
      console.log(`generating ${FILES.toLocaleString('en')} files of history in ${BIG}...`);
      const started = Date.now();
      const steps = await generateHistory(bigUrl, { files: FILES, filesPerPackage: FILES_PER_PACKAGE });
      console.log(`history generated in ${((Date.now() - started) / 1000).toFixed(1)} s:`);
      for (const s of steps)
        console.log(
          `  ${s.step.padEnd(28)} ${String(s.rows).padStart(9)} rows ${(s.ms / 1000).toFixed(1).padStart(6)} s`,
        );
    }
    const emptyUrl = await prepare(EMPTY, dataRoot, false);
    const big = measure(bigUrl, dataRoot, `history: ${FILES.toLocaleString('en')} files`);
    const empty = measure(emptyUrl, dataRoot, 'empty history');

    console.log('\nbench/scale results');
    printIdle(big.idle, empty.idle);
    printNewFiles(big.newFiles, empty.newFiles);
    printStatus(big.status);
    printRequests(big.requests, empty.requests);
    printFindings(big.findings);
    if (!KEEP) for (const name of [BIG, EMPTY]) await dropDatabase(name);
    else console.log(`\n(kept databases ${BIG} and ${EMPTY})`);
  } finally {
    rmSync(dataRoot, { recursive: true, force: true });
  }
  packageRss();
}

async function dropDatabase(name: string): Promise<void> {
  const db = new Client({ connectionString: `${SERVER_URL}/postgres` });
  await db.connect();
  await db.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await db.end();
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(`bench/scale failed: ${err.stack ?? err.message}`);
    process.exit(1);
  },
);
