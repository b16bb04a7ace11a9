import { printTable } from '../src/engine/report/report-table';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { readBackFromArchives } from './lib/archive-proof';
import { printCopies, printRoutes, printSummary, printWhereToLook } from './lib/demo-report';
import { stageObsUnit } from './lib/demo-staging';
import { IngestClient } from './lib/instrument';
import { INSTRUMENTS, playNight } from './lib/night';
import { human, ProgressDisplay, readCounts, readFailures, renderStages } from './lib/pipeline-progress';
import { cli, cliAsync, ROOT, stop } from './lib/processes';
import { startS3Server } from './lib/s3-server';
import {
  allocateSitePorts,
  createTransferTokens,
  dataUrlEnv,
  INSECURE_ON_ONE_HOST,
  startSiteWorkers,
} from './lib/site-workers';
import { startStack } from './lib/stack';

/**
 * `npm run demo`: the system's main job. A fresh database, the demo topology (three sites) and the ingest
 * API; an instrument writes a night of files to the telescope computer and registers them; a worker per
 * site and the managers start. The ccat worker packs each obs unit's files, verified, into the ccat
 * buffer and bundles them; one archive site, chosen in turn, pulls each bundle over http, verifies and
 * unpacks it, and passes it on to the other; each site writes the packages into its S3 archive, read back
 * and verified; then the deletion rules free the instrument disk and the buffers. The demo follows it stage by stage and proves
 * the result by reading every file back from both archives itself.
 */
const { values: flags } = parseArgs({
  options: {
    files: { type: 'string', default: '120' },
    size: { type: 'string', default: '20mb' },
    'obs-units': { type: 'string', default: '4' },
    timeout: { type: 'string', default: '600' },
    keep: { type: 'boolean', default: false },
  },
});

const DATA_ROOT = process.env.CCAT_DATA_ROOT ?? join(ROOT, 'demo-data');
const LOG_DIR = join(ROOT, 'demo-logs');
/** Stop watching when nothing moved for this long: a stuck pipeline is reported, not waited on forever. */
const STALL_MS = 120_000;

function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(b|kb|mb|gb)?$/i.exec(text.trim());
  if (!m) throw new Error(`--size: expected e.g. 512kb or 20mb, got ${text}`);
  const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(m[2] ?? 'b').toLowerCase() as 'b'];
  return Math.floor(Number(m[1]) * unit);
}

const step = (text: string) => console.log(`\n== ${text}`);

/**
 * Draws the stage bars until every file is safe at every archive site (and the source and buffers are freed, or a
 * little longer has passed), a row fails, nothing moves for STALL_MS, or the time is up.
 */
async function followProgress(
  db: Client,
  archiveSites: number,
  files: number,
  timeoutMs: number,
): Promise<{ done: boolean; why?: string; safeAt?: number }> {
  const display = new ProgressDisplay();
  const deadline = Date.now() + timeoutMs;
  let last = '';
  let lastChange = Date.now();
  let safeAt: number | undefined;
  for (;;) {
    const counts = await readCounts(db, archiveSites);
    const lines = renderStages(counts, archiveSites);
    const finished = counts.filesSafe === files;
    safeAt ??= finished ? Date.now() : undefined;
    const freed = counts.temporaryCopies > 0 && counts.temporaryCopiesFreed === counts.temporaryCopies;
    if (finished && (freed || Date.now() - safeAt! > 30_000)) {
      display.show(lines, true);
      return { done: true, safeAt };
    }
    const failures = await readFailures(db);
    const why = failures.length
      ? `${failures.length} row(s) failed`
      : Date.now() > deadline
        ? `the time is up (--timeout ${timeoutMs / 1000} s)`
        : Date.now() - lastChange > STALL_MS
          ? `nothing moved for ${STALL_MS / 1000} s`
          : undefined;
    display.show(lines, Boolean(why));
    if (why) return { done: false, why };
    const text = JSON.stringify(counts);
    if (text !== last) [last, lastChange] = [text, Date.now()];
    await new Promise((r) => setTimeout(r, 400));
  }
}

async function main(): Promise<void> {
  const options = {
    files: Number(flags.files),
    obsUnits: Number(flags['obs-units']),
    maxSize: parseSize(flags.size!),
  };
  const timeoutMs = Number(flags.timeout) * 1000;
  if (!Number.isInteger(options.files) || options.files < 1)
    throw new Error('--files must be a positive integer');
  if (!Number.isInteger(options.obsUnits) || options.obsUnits < 1)
    throw new Error('--obs-units must be a positive integer');
  if (!(timeoutMs > 0)) throw new Error('--timeout must be a positive number of seconds');

  step('S3 server (s3rver) standing in for the archives of Cologne and Cornell');
  const s3 = await startS3Server(['ccat-cologne-lta', 'ccat-us-lta']);
  console.log(`s3rver on ${s3.endpoint}, buckets ccat-cologne-lta and ccat-us-lta`);
  const s3Env = {
    CCAT_S3_ENDPOINT: s3.endpoint,
    COLOGNE_S3_ACCESS_KEY: s3.credentials.accessKeyId,
    COLOGNE_S3_SECRET_KEY: s3.credentials.secretAccessKey,
    US_S3_ACCESS_KEY: s3.credentials.accessKeyId,
    US_S3_SECRET_KEY: s3.credentials.secretAccessKey,
  };
  rmSync(LOG_DIR, { recursive: true, force: true });
  mkdirSync(LOG_DIR, { recursive: true });

  step('Database, topology (config/topology.demo.yaml), tokens, API');
  const ports = await allocateSitePorts();
  const stack = await startStack({
    database: 'ccat_demo',
    dataRoot: DATA_ROOT,
    logDir: LOG_DIR,
    say: console.log,
    env: {
      RAW_DATA_PACKAGE_MANAGER_INTERVAL: '1s',
      DATA_TRANSFER_PACKAGE_MANAGER_INTERVAL: '1s',
      DATA_TRANSFER_MANAGER_INTERVAL: '1s',
      LONG_TERM_ARCHIVE_MANAGER_INTERVAL: '1s',
      DELETION_MANAGER_INTERVAL: '1s',
      STAGING_MANAGER_INTERVAL: '1s',
      MONITORING_MANAGER_INTERVAL: '2s',
      ...s3Env,
      ...dataUrlEnv(ports),
      // A demo night is small: bundle what has waited a few seconds instead of an hour.
      TRANSFER_PACKAGE_MAX_WAIT: '3s',
      WORKER_DISCOVERY_INTERVAL: '5s',
      HEARTBEAT_INTERVAL: '2s',
      // The demo's API is plain http on this host: its /admin session cookie must travel without https.
      // Never in production.
      ADMIN_COOKIE_INSECURE: 'true',
      // Likewise the workers' data ports: plain http on 127.0.0.1, so the transfer token may travel in
      // clear here (a worker refuses that otherwise). Never in production: give the workers TLS.
      ...INSECURE_ON_ONE_HOST,
    },
  });
  const transferTokens = createTransferTokens(stack.env);
  // What an operator does once per host: the disk locations' roots exist before their workers start.
  const roots = new Client({ connectionString: stack.databaseUrl });
  await roots.connect();
  for (const { root_path: root } of (
    await roots.query(
      `SELECT root_path FROM data_location WHERE storage_type = 'disk' AND root_path IS NOT NULL`,
    )
  ).rows as { root_path: string }[])
    mkdirSync(root, { recursive: true });
  await roots.end();
  console.log(
    `created one transfer token per site, bound to it (--site): ${[...transferTokens.keys()].map((s) => `transfer-${s}`).join(', ')}`,
  );
  console.log(
    'TRANSFER_ALLOW_INSECURE=true: the workers send their tokens over plain http, as every data port is on this host (never in production)',
  );
  const workers = [];
  const db = new Client({ connectionString: stack.databaseUrl });
  await db.connect();
  try {
    const { rows: ltaSites } = await db.query(
      `SELECT DISTINCT s.short_name AS site FROM site s JOIN data_location l ON l.site_id = s.id
        WHERE l.location_type = 'long_term_archive' AND l.active ORDER BY 1`,
    );
    const archiveSites: string[] = ltaSites.map((r) => r.site);
    const client = new IngestClient(stack.baseUrl, stack.token);
    const sourceRoot = join(DATA_ROOT, 'ccat', 'telescope_computer');
    mkdirSync(sourceRoot, { recursive: true });

    step(
      `Instrument night: ${options.obsUnits} obs units, ${options.files} files up to ${human(options.maxSize)}`,
    );
    const started = Date.now();
    const night = await playNight(client, sourceRoot, options, console.log);
    const all = night.flatMap((w) => w.files);
    printTable(
      night.flatMap(({ unit, instrument, files }) =>
        INSTRUMENTS[instrument].map((module) => {
          const mine = files.filter((f) => f.module === module);
          const bytes = mine.reduce((s, f) => s + f.size, 0);
          return { 'obs unit': unit, instrument, module, files: mine.length, bytes: human(bytes) };
        }),
      ),
    );
    const totalBytes = all.reduce((s, f) => s + f.size, 0);
    console.log(
      `${all.length} files, ${human(totalBytes)}, in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    const sample = all[all.length - 1];
    const back = await client.call<{
      sha256: string;
      copies: { site: string; location: string; status: string }[];
    }>('GET', `/raw-data-files/${sample.id}`);
    if (back.body.sha256 !== sample.sha256)
      throw new Error('registered checksum does not match what was written');
    console.log(
      `${sample.path}: registered sha256 matches; copies: ${back.body.copies.map((c) => `${c.site}/${c.location} ${c.status}`).join(', ')}`,
    );

    step('Workers: one per site, each serving its buffer on its data port, and the managers');
    workers.push(...(await startSiteWorkers(stack.env, ports, transferTokens, LOG_DIR)));
    for (const [site, port] of ports)
      console.log(`  ${site} worker: http://127.0.0.1:${port} (buffer at /data/${site}/buffer)`);
    console.log(`  logs in ${LOG_DIR}`);

    step('ccat-dt doctor at each site: what a deployment needs, checked from there');
    for (const site of ports.keys()) {
      const doctor = await cliAsync(['doctor', '--site', site], {
        ...stack.env,
        TRANSFER_TOKEN: transferTokens.get(site),
        ...INSECURE_ON_ONE_HOST,
      });
      console.log(
        `-- ${site}\n${doctor.stdout.trimEnd()}${doctor.stderr ? `\n${doctor.stderr.trimEnd()}` : ''}`,
      );
    }

    step(`The pipeline at work, until every file is safe at ${archiveSites.length} archive sites`);
    const outcome = await followProgress(db, archiveSites.length, all.length, timeoutMs);
    const seconds = ((outcome.safeAt ?? Date.now()) - started) / 1000;
    console.log(outcome.done ? '' : `\nStopped watching: ${outcome.why}`);
    console.log(`\n${cli(['status'], stack.env).trimEnd()}`);

    step('Stage 6: one obs unit staged back from the archives to cologne/ramses_processing for processing');
    const unit = night[0];
    const staging = outcome.done
      ? await stageObsUnit({
          baseUrl: stack.baseUrl,
          env: stack.env,
          obsUnit: unit.unit,
          files: unit.files,
          processingRoot: join(DATA_ROOT, 'cologne', 'ramses_processing'),
          say: console.log,
        }).catch((err: Error) => {
          console.log(`staging: ${err.message}`);
          return null;
        })
      : null;
    if (!outcome.done) console.log('(skipped: the archives are not complete)');

    step('Routes taken: each bundle left the observatory once, then went on from the first archive site');
    await printRoutes(db);

    step('Where every copy is now');
    await printCopies(db);

    step(`Proof, independent of the pipeline: every archive copy read back from S3, untarred and hashed`);
    const proof = await readBackFromArchives(db, s3, all, archiveSites.length);
    for (const problem of proof.problems.slice(0, 10)) console.log(`  PROBLEM: ${problem}`);
    await printSummary(db, { files: all, seconds, archiveSites, proof });
    const safe = proof.verified === all.length && proof.problems.length === 0;
    const stagedOk = staging?.verified === unit.files.length;
    console.log(
      safe
        ? `Every one of ${all.length} files is verified at ${archiveSites.join(' and ')}.`
        : `NOT SAFE: ${all.length - proof.verified} of ${all.length} files are not verified at every archive site.`,
    );
    console.log(
      stagedOk
        ? `Staged for processing: ${unit.unit}, ${unit.files.length} files, each verified at cologne/ramses_processing.`
        : `STAGING of ${unit.unit} did not complete with every file verified.`,
    );
    if (!safe || !stagedOk) {
      await printWhereToLook(db, stack.databaseUrl, LOG_DIR);
      process.exitCode = 1;
    }

    if (flags.keep) {
      console.log(
        `\n--keep: the API stays up at ${stack.baseUrl} with token ${stack.token}. Ctrl-C to stop.`,
      );
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    }
  } finally {
    await db.end();
    await Promise.all(workers.map((w) => stop(w)));
    await stack.stop();
    await s3.stop();
  }
  console.log('\nDemo finished.');
}

main().catch((err: Error) => {
  console.error(`\ndemo failed: ${err.message}`);
  process.exit(1);
});
