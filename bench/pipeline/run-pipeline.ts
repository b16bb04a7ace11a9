import { isSafeSql } from '../../src/catalog/physical-copies/package-safety';
import Redis from 'ioredis';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { readBackFromArchives } from '../../scripts/lib/archive-proof';
import { IngestClient, WrittenFile, writeFile } from '../../scripts/lib/instrument';
import { readFailures } from '../../scripts/lib/pipeline-progress';
import { stop } from '../../scripts/lib/processes';
import { S3Server, startS3Server } from '../../scripts/lib/s3-server';
import {
  allocateSitePorts,
  archiveDataUrlEnv,
  createTransferTokens,
  dataUrlEnv,
  startSiteWorkers,
} from '../../scripts/lib/site-workers';
import { Stack, startStack } from '../../scripts/lib/stack';

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
export interface StageTime {
  stage: string;
  rows: number;
  /** From the clock's start to the first row's creation, and to the last row's completion. */
  firstStartS: number;
  lastDoneS: number;
  /** The sum over its rows of claim to completion: the stage's own working time. */
  busyS: number;
}

export interface PipelineRun {
  seconds: number;
  stages: StageTime[];
  /** Bytes the workers' storage backends read and wrote (ccat_storage_bytes_total), by backend and direction. */
  storage: Record<string, number>;
}

/** Where the time went, from the work rows (the stage's rows, from creation to completion). */
const STAGE_TIMES = `
  SELECT stage, count(*)::int AS rows,
         extract(epoch FROM min(created_at) - $1::timestamptz)::float8 AS "firstStartS",
         extract(epoch FROM max(updated_at) - $1::timestamptz)::float8 AS "lastDoneS",
         coalesce(sum(extract(epoch FROM updated_at - claimed_at)), 0)::float8 AS "busyS"
    -- A package's and a bundle's row moves on after its work (its state), so their work ended when their
    -- first copy was recorded.
    FROM (SELECT '1 package' AS stage, p.created_at,
                 (SELECT min(c.created_at) FROM physical_copy c WHERE c.raw_data_package_id = p.id) AS updated_at, p.claimed_at
            FROM raw_data_package p WHERE p.status = 'completed'
          UNION ALL SELECT '2 bundle', d.created_at,
                 (SELECT min(c.created_at) FROM physical_copy c WHERE c.data_transfer_package_id = d.id), d.claimed_at
            FROM data_transfer_package d WHERE d.status = 'completed'
          UNION ALL SELECT '3-4 transfer + unpack', created_at, updated_at, claimed_at FROM data_transfer WHERE unpack_status = 'completed'
          UNION ALL SELECT '5 archive upload', created_at, updated_at, claimed_at FROM long_term_archive_transfer WHERE status = 'completed') w
   GROUP BY stage ORDER BY stage`;

/** The storage counters of every worker, from their /metrics (the data port of each site's worker). */
async function storageBytes(ports: Map<string, number>): Promise<Record<string, number>> {
  const totals: Record<string, number> = {};
  for (const port of ports.values()) {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    // Labels in any order, default labels (the process) among them.
    for (const m of text.matchAll(/^ccat_storage_bytes_total\{([^}]*)\} (\S+)$/gm)) {
      const label = (name: string) => new RegExp(`${name}="(\\w+)"`).exec(m[1])?.[1];
      const key = `${label('backend')} ${label('direction')}`;
      totals[key] = (totals[key] ?? 0) + Number(m[2]);
    }
  }
  return totals;
}

/** The whole pipeline running on a fresh database and s3rver: what timePipeline and bench/replication start from. */
export interface RunningPipeline {
  s3: S3Server;
  /** The data port of each site's worker. */
  ports: Map<string, number>;
  stack: Stack;
  db: Client;
  client: IngestClient;
  stop(): Promise<void>;
}

/**
 * Starts s3rver (both archive buckets and `buckets`), a fresh database `ccat_bench_<name>` with the demo
 * topology (with `publishArchives`, each archive's dataUrl set), the API, one worker per site (transfers between sites over http) and the managers, all cycles
 * at benchmark speed (`env` on top), and waits until the queues are bound.
 */
export async function startPipeline(
  name: string,
  base: string,
  options: {
    env?: NodeJS.ProcessEnv;
    buckets?: string[];
    /** Each archive's worker serves its packages to the other archive site (for replication). */
    publishArchives?: boolean;
  } = {},
): Promise<RunningPipeline> {
  const s3 = await startS3Server(['ccat-cologne-lta', 'ccat-us-lta', ...(options.buckets ?? [])]);
  // Queues and keys of their own in the shared Redis: another benchmark or test suite running beside this
  // one must never take this run's jobs (nor this run theirs). Deleted when the run stops.
  const namespace = `bench${process.pid}${randomBytes(3).toString('hex')}`;
  const redisEnv = { QUEUE_PREFIX: `bull-${namespace}`, REDIS_KEY_PREFIX: `${namespace}:` };
  const ports = await allocateSitePorts();
  const stack = await startStack({
    database: `ccat_bench_${name}`,
    dataRoot: base,
    keepDataRoot: true,
    env: {
      ...redisEnv,
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
      ...(options.publishArchives ? archiveDataUrlEnv(ports) : {}),
      ...options.env,
    },
  });
  const db = new Client({ connectionString: stack.databaseUrl });
  await db.connect();
  const workers = await startSiteWorkers(stack.env, ports, createTransferTokens(stack.env)).catch(
    async (err) => {
      await db.end();
      await stack.stop();
      await s3.stop();
      throw err;
    },
  );
  await new Promise((r) => setTimeout(r, 1500)); // queues bound
  return {
    s3,
    ports,
    stack,
    db,
    client: new IngestClient(stack.baseUrl, stack.token),
    stop: async () => {
      await Promise.all(workers.map((w) => stop(w)));
      await db.end();
      await stack.stop();
      await s3.stop();
      await deleteRedisKeys(stack.env.REDIS_URL ?? 'redis://127.0.0.1:6379', [
        `${redisEnv.QUEUE_PREFIX}:*`,
        `${redisEnv.REDIS_KEY_PREFIX}*`,
      ]);
    },
  };
}

async function deleteRedisKeys(url: string, patterns: string[]): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 3 });
  try {
    for (const pattern of patterns) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        if (keys.length) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
    }
  } finally {
    redis.disconnect();
  }
}

export async function timePipeline(name: string, base: string, units: Unit[]): Promise<PipelineRun> {
  const running = await startPipeline(name, base);
  const { db, s3, ports } = running;
  try {
    const [{ now: clockStart }] = (await db.query(`SELECT clock_timestamp() AS now`)).rows;
    const started = process.hrtime.bigint();
    for (const unit of units) await register(running.client, unit);
    const all = units.flatMap((u) => u.files);
    for (;;) {
      const { rows } = await db.query(
        `SELECT count(*)::int AS safe FROM raw_data_file f JOIN raw_data_package p ON p.id = f.raw_data_package_id
          WHERE ${isSafeSql('p', '$1')}`,
        [ARCHIVE_SITES],
      );
      if (rows[0].safe === all.length) break;
      const failed = await readFailures(db);
      if (failed.length) throw new Error(`failed: ${JSON.stringify(failed.slice(0, 3))}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    // Read before the independent read-back below, which is the benchmark's, not the pipeline's.
    const storage = await storageBytes(ports);
    const stages = (await db.query(STAGE_TIMES, [clockStart])).rows as StageTime[];
    const proof = await readBackFromArchives(db, s3, all, ARCHIVE_SITES);
    if (proof.verified !== all.length || proof.problems.length)
      throw new Error(`only ${proof.verified} of ${all.length} files verified at both archives`);
    return { seconds, stages, storage };
  } finally {
    await running.stop();
  }
}

/** Registers an obs unit's files (in bulk requests of 1,000) and finishes the unit, as the instrument does. */
export async function register(client: IngestClient, unit: Unit): Promise<void> {
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
