import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { readBackFromArchives } from '../../scripts/lib/archive-proof';
import { IngestClient, WrittenFile, writeFile } from '../../scripts/lib/instrument';
import { ROOT, startApp, stop, waitForHttp } from '../../scripts/lib/processes';
import { startS3Server } from '../../scripts/lib/s3-server';
import { startStack } from '../../scripts/lib/stack';

/**
 * bench/pipeline: 1 GiB in 200 files (4 obs units x 2 modules) from registration to one verified copy in
 * the S3 archive, through real processes (API, a worker per site, the managers, s3rver); beside it the
 * same byte work done by shell tools; then the packaging RSS benchmark. Prints its figures.
 */
const TOTAL = Number(process.env.BENCH_PIPELINE_BYTES ?? 1024 ** 3);
const FILES = Number(process.env.BENCH_PIPELINE_FILES ?? 200);
const UNITS = 4;
const MODULES = ['pcam_280', 'pcam_350'];
const MiB = 1024 * 1024;

interface Unit {
  id: string;
  files: WrittenFile[];
}

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function shellBaseline(base: string, units: Unit[]): number {
  // What the pipeline does to the bytes, by hand: hash every file, tar each package and hash it, tar the
  // packages into a bundle and hash it, copy the bundle to the destination buffer and the packages to a
  // directory standing for the archive, and flush it all to disk.
  const packages = units.flatMap((u) => MODULES.map((m) => ({ unit: u.id, module: m })));
  const script = [
    'set -e',
    `cd ${join(base, 'ccat', 'telescope_computer')}`,
    `mkdir -p ${base}/shell/buffer ${base}/shell/dest ${base}/shell/lta`,
    'find . -type f -name "*.fits" -print0 | xargs -0 sha256sum > /dev/null',
    ...packages.map(
      (p, i) =>
        `tar cf ${base}/shell/buffer/p${i}.tar primecam/${p.unit}/${p.module} && sha256sum ${base}/shell/buffer/p${i}.tar > /dev/null`,
    ),
    `cd ${base}/shell/buffer && tar cf bundle.tar p*.tar && sha256sum bundle.tar > /dev/null`,
    `cp bundle.tar ${base}/shell/dest/ && sha256sum ${base}/shell/dest/bundle.tar > /dev/null`,
    `cp p*.tar ${base}/shell/lta/ && sha256sum ${base}/shell/lta/*.tar > /dev/null`,
    'sync',
  ].join('\n');
  const started = process.hrtime.bigint();
  const result = spawnSync('bash', ['-c', script], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error('shell baseline failed');
  return Number(process.hrtime.bigint() - started) / 1e9;
}

async function main(): Promise<void> {
  const base = mkdtempSync(join(tmpdir(), 'ccat-bench-pipeline-'));
  const s3 = await startS3Server(['ccat-cologne-lta', 'ccat-us-lta']);
  const say = (line: string) => console.log(`  ${line}`);
  const stack = await startStack({
    database: 'ccat_bench_pipeline',
    dataRoot: base,
    env: {
      LOG_LEVEL: 'warn',
      RAW_DATA_PACKAGE_MANAGER_INTERVAL: '200ms',
      DATA_TRANSFER_PACKAGE_MANAGER_INTERVAL: '200ms',
      DATA_TRANSFER_MANAGER_INTERVAL: '200ms',
      LONG_TERM_ARCHIVE_MANAGER_INTERVAL: '200ms',
      TRANSFER_PACKAGE_MAX_WAIT: '1s',
      WORKER_DISCOVERY_INTERVAL: '1s',
      CCAT_S3_ENDPOINT: s3.endpoint,
      COLOGNE_S3_ACCESS_KEY: s3.credentials.accessKeyId,
      COLOGNE_S3_SECRET_KEY: s3.credentials.secretAccessKey,
      US_S3_ACCESS_KEY: s3.credentials.accessKeyId,
      US_S3_SECRET_KEY: s3.credentials.secretAccessKey,
    },
  });
  const workers = [];
  const db = new Client({ connectionString: stack.databaseUrl });
  await db.connect();
  try {
    const sourceRoot = join(base, 'ccat', 'telescope_computer');
    mkdirSync(sourceRoot, { recursive: true });
    const size = Math.floor(TOTAL / FILES);
    const units: Unit[] = [];
    for (let u = 0; u < UNITS; u++) {
      const unit: Unit = { id: randomUUID(), files: [] };
      for (let i = u; i < FILES; i += UNITS) {
        const module = MODULES[unit.files.length % MODULES.length];
        const path = `primecam/${unit.id}/${module}/scan_${i}.fits`;
        unit.files.push(await writeFile(sourceRoot, path, size, module));
      }
      units.push(unit);
    }
    const all = units.flatMap((u) => u.files);
    say(`${all.length} files of ${(size / MiB).toFixed(2)} MiB written to the telescope computer`);

    const ports: number[] = [];
    for (const args of [
      ['--site', 'ccat'],
      ['--site', 'cologne'],
      ['--site', 'us'],
      ['--role', 'managers'],
    ]) {
      const port = 20000 + Math.floor(Math.random() * 20000);
      ports.push(port);
      workers.push(startApp('worker', { ...stack.env, WORKER_HTTP_PORT: String(port) }, args));
    }
    await Promise.all(ports.map((p) => waitForHttp(`http://127.0.0.1:${p}/health`)));
    await new Promise((r) => setTimeout(r, 1500)); // queues bound

    const client = new IngestClient(stack.baseUrl, stack.token);
    const started = process.hrtime.bigint();
    for (const unit of units) {
      await client.call('POST', '/executed-obs-units/start', {
        id: unit.id,
        obsUnit: `bench_${unit.id.slice(0, 8)}`,
        instrument: 'primecam',
        startedAt: new Date().toISOString(),
      });
      await client.call('POST', '/raw-data-files/bulk', {
        files: unit.files.map((f) => ({
          id: f.id,
          site: 'ccat',
          location: 'telescope_computer',
          path: f.path,
          size: f.size,
          sha256: f.sha256,
          executedObsUnitId: unit.id,
          instrumentModule: f.module,
        })),
      });
      await client.call('PUT', `/executed-obs-units/${unit.id}/finish`, { outcome: 'success' });
    }
    await waitUntil(
      'every package to be archived',
      async () => {
        const { rows } = await db.query(
          `SELECT count(*) FILTER (WHERE state = 'archived')::int AS archived, count(*)::int AS total,
                  count(*) FILTER (WHERE failure_reason IS NOT NULL)::int AS failed FROM raw_data_package`,
        );
        if (rows[0].failed) throw new Error('a package failed');
        return rows[0].total === UNITS * MODULES.length && rows[0].archived === rows[0].total;
      },
      15 * 60_000,
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const proof = await readBackFromArchives(db, s3, all);
    if (proof.verified !== all.length)
      throw new Error(`only ${proof.verified} files verified in the archive`);
    await Promise.all(workers.map((w) => stop(w)));

    const shellSeconds = shellBaseline(base, units);
    const gib = (size * all.length) / 1024 ** 3;
    console.log('\nbench/pipeline results');
    console.log(`  data: ${gib.toFixed(2)} GiB in ${all.length} files, ${UNITS * MODULES.length} packages`);
    console.log(
      `  pipeline, registration -> one verified S3 archive copy (every file read back independently): ` +
        `${seconds.toFixed(1)} s, ${((gib * 1024) / seconds).toFixed(0)} MiB/s`,
    );
    console.log(
      `  shell tools (sha256sum files, tar + sha256sum packages and bundle, cp to buffer and "archive", sync): ` +
        `${shellSeconds.toFixed(1)} s`,
    );
    console.log(`  ratio pipeline / shell: ${(seconds / shellSeconds).toFixed(2)} (target <= 1.0)`);
  } finally {
    await db.end();
    await Promise.all(workers.map((w) => stop(w)));
    await stack.stop();
    await s3.stop();
    rmSync(base, { recursive: true, force: true });
  }
  console.log('\nbench/pipeline package-rss (same run):');
  spawnSync(process.execPath, [join(ROOT, 'dist', 'bench', 'pipeline', 'package-rss.bench.js')], {
    stdio: 'inherit',
  });
}

main().catch((err: Error) => {
  console.error(`bench/pipeline failed: ${err.message}`);
  process.exit(1);
});
