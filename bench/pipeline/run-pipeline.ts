import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { readBackFromArchives } from '../../scripts/lib/archive-proof';
import { IngestClient, WrittenFile, writeFile } from '../../scripts/lib/instrument';
import { readFailures } from '../../scripts/lib/pipeline-progress';
import { stop } from '../../scripts/lib/processes';
import { startS3Server } from '../../scripts/lib/s3-server';
import {
  allocateSitePorts,
  createTransferToken,
  dataUrlEnv,
  startSiteWorkers,
} from '../../scripts/lib/site-workers';
import { startStack } from '../../scripts/lib/stack';

export interface Unit {
  id: string;
  files: WrittenFile[];
}

export const MODULES = ['pcam_280', 'pcam_350'];
const ARCHIVE_SITES = 2;

/** Writes `files` files of `size` bytes over `units` obs units and both modules, as the instrument does. */
export async function writeNight(base: string, units: number, files: number, size: number): Promise<Unit[]> {
  const sourceRoot = join(base, 'ccat', 'telescope_computer');
  mkdirSync(sourceRoot, { recursive: true });
  const written: Unit[] = [];
  for (let u = 0; u < units; u++) {
    const unit: Unit = { id: randomUUID(), files: [] };
    for (let i = u; i < files; i += units) {
      const module = MODULES[unit.files.length % MODULES.length];
      unit.files.push(
        await writeFile(sourceRoot, `primecam/${unit.id}/${module}/scan_${i}.fits`, size, module),
      );
    }
    written.push(unit);
  }
  return written;
}

/**
 * Runs the whole pipeline on a night already on the telescope computer: a fresh database and s3rver, the
 * API, one worker per site (transfers between sites over http) and the managers. The clock runs from the
 * first registration until every file's package is archived and verified at both archive sites; then
 * every archive copy is read back independently. Returns the seconds on the clock.
 */
export async function timePipeline(name: string, base: string, units: Unit[]): Promise<number> {
  const s3 = await startS3Server(['ccat-cologne-lta', 'ccat-us-lta']);
  const ports = await allocateSitePorts();
  const stack = await startStack({
    database: `ccat_bench_${name}`,
    dataRoot: base,
    keepDataRoot: true,
    env: {
      LOG_LEVEL: 'warn',
      RAW_DATA_PACKAGE_MANAGER_INTERVAL: '200ms',
      DATA_TRANSFER_PACKAGE_MANAGER_INTERVAL: '200ms',
      DATA_TRANSFER_MANAGER_INTERVAL: '200ms',
      LONG_TERM_ARCHIVE_MANAGER_INTERVAL: '200ms',
      DELETION_MANAGER_INTERVAL: '1s',
      TRANSFER_PACKAGE_MAX_WAIT: '1s',
      WORKER_DISCOVERY_INTERVAL: '1s',
      CCAT_S3_ENDPOINT: s3.endpoint,
      COLOGNE_S3_ACCESS_KEY: s3.credentials.accessKeyId,
      COLOGNE_S3_SECRET_KEY: s3.credentials.secretAccessKey,
      US_S3_ACCESS_KEY: s3.credentials.accessKeyId,
      US_S3_SECRET_KEY: s3.credentials.secretAccessKey,
      ...dataUrlEnv(ports),
    },
  });
  const db = new Client({ connectionString: stack.databaseUrl });
  await db.connect();
  const workers = await startSiteWorkers(stack.env, ports, createTransferToken(stack.env));
  try {
    await new Promise((r) => setTimeout(r, 1500)); // queues bound
    const client = new IngestClient(stack.baseUrl, stack.token);
    const started = process.hrtime.bigint();
    for (const unit of units) await register(client, unit);
    const all = units.flatMap((u) => u.files);
    for (;;) {
      const { rows } = await db.query(
        `SELECT count(*)::int AS safe FROM raw_data_file f JOIN raw_data_package p ON p.id = f.raw_data_package_id
          WHERE p.state = 'archived' AND p.lta_site_count >= $1`,
        [ARCHIVE_SITES],
      );
      if (rows[0].safe === all.length) break;
      const failed = await readFailures(db);
      if (failed.length) throw new Error(`failed: ${JSON.stringify(failed.slice(0, 3))}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const proof = await readBackFromArchives(db, s3, all, ARCHIVE_SITES);
    if (proof.verified !== all.length || proof.problems.length)
      throw new Error(`only ${proof.verified} of ${all.length} files verified at both archives`);
    return seconds;
  } finally {
    await Promise.all(workers.map((w) => stop(w)));
    await db.end();
    await stack.stop();
    await s3.stop();
  }
}

async function register(client: IngestClient, unit: Unit): Promise<void> {
  await client.call('POST', '/executed-obs-units/start', {
    id: unit.id,
    obsUnit: `bench_${unit.id.slice(0, 8)}`,
    instrument: 'primecam',
    startedAt: new Date().toISOString(),
  });
  for (let i = 0; i < unit.files.length; i += 1000) {
    const res = await client.call('POST', '/raw-data-files/bulk', {
      files: unit.files.slice(i, i + 1000).map((f) => ({
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
    if (res.status >= 300) throw new Error(`registration refused: ${res.status} ${JSON.stringify(res.body)}`);
  }
  await client.call('PUT', `/executed-obs-units/${unit.id}/finish`, { outcome: 'success' });
}
