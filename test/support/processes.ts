import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';

const ROOT = join(__dirname, '..', '..');
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * A namespace in the shared Redis for one test file: its own BullMQ prefix and key prefix, so test files
 * running in parallel never see each other's queues or heartbeats.
 */
export interface RedisNamespace {
  env: { REDIS_URL: string; QUEUE_PREFIX: string; REDIS_KEY_PREFIX: string };
  redis: Redis;
  /** Deletes every key of this namespace (for our processes, what a FLUSHALL does); returns how many. */
  flush(): Promise<number>;
  cleanup(): Promise<void>;
}

export function redisNamespace(redisUrl = REDIS_URL): RedisNamespace {
  const id = `t${process.pid}${randomBytes(3).toString('hex')}`;
  const env = { REDIS_URL: redisUrl, QUEUE_PREFIX: `bull-${id}`, REDIS_KEY_PREFIX: `${id}:` };
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  /** Deletes every key of this namespace: for our processes, what a FLUSHALL does. */
  const flush = async (): Promise<number> => {
    let deleted = 0;
    for (const pattern of [`${env.QUEUE_PREFIX}:*`, `${env.REDIS_KEY_PREFIX}*`]) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        if (keys.length) deleted += await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
    }
    return deleted;
  };
  return {
    env,
    redis,
    flush,
    cleanup: async () => {
      await flush();
      redis.disconnect();
    },
  };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Runs the built CLI (`npm test` builds first) and returns its output; throws with it on failure. */
export function cli(args: string[], env: NodeJS.ProcessEnv): string {
  const result = spawnSync(process.execPath, [join(ROOT, 'bin', 'ccat-dt.js'), ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  if (result.status !== 0)
    throw new Error(`ccat-dt ${args.join(' ')} exited ${result.status}: ${result.stderr}${result.stdout}`);
  return result.stdout;
}

/** The demo topology (three sites) applied to a test database, with disk roots in a temporary folder. */
export function applyDemoTopology(
  databaseUrl: string,
  /** e.g. CCAT_S3_ENDPOINT, where the archive locations' S3 server listens. */
  env: NodeJS.ProcessEnv = {},
): { dataRoot: string } {
  const dataRoot = mkdtempSync(join(tmpdir(), 'ccat-test-'));
  cli(['topology', 'apply', join(ROOT, 'config', 'topology.demo.yaml')], {
    ...env,
    DATABASE_URL: databaseUrl,
    CCAT_DATA_ROOT: dataRoot,
  });
  return { dataRoot };
}

/**
 * The ccat site's worker, its buffer then published at the worker's data port by applying the demo
 * topology again with that URL: transfers from ccat's buffer become http.
 */
export async function startCcatBufferWorker(
  databaseUrl: string,
  dataRoot: string,
  redisEnv: NodeJS.ProcessEnv,
): Promise<RunningProcess> {
  const worker = await startWorker(['--site', 'ccat'], {
    DATABASE_URL: databaseUrl,
    ...redisEnv,
    CCAT_DATA_ROOT: dataRoot,
  });
  await waitFor('the worker to answer', () => worker.health().then(() => true), 20_000);
  cli(['topology', 'apply', join(ROOT, 'config', 'topology.demo.yaml')], {
    DATABASE_URL: databaseUrl,
    CCAT_DATA_ROOT: dataRoot,
    CCAT_BUFFER_DATA_URL: `http://127.0.0.1:${worker.port}/data/ccat/buffer`,
  });
  return worker;
}

export interface RunningProcess {
  child: ChildProcess;
  port: number;
  output(): string;
  health(): Promise<{ status: number; body: HealthBody }>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface HealthBody {
  status: string;
  info?: Record<string, Record<string, unknown>>;
  error?: Record<string, Record<string, unknown>>;
  details?: Record<string, Record<string, unknown> & { boundQueues?: string[] }>;
}

/**
 * Starts the built worker app with `args`, on `env.WORKER_HTTP_PORT` or a free port, and captures what it
 * prints.
 */
export async function startWorker(args: string[], env: NodeJS.ProcessEnv): Promise<RunningProcess> {
  const port = env.WORKER_HTTP_PORT ? Number(env.WORKER_HTTP_PORT) : await freePort();
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'apps', 'worker', 'main.js'), ...args], {
    env: { ...process.env, LOG_LEVEL: 'info', ...env, WORKER_HTTP_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    port,
    output: () => output,
    // With a read token (when its database can be reached to make one) the answer has the details.
    health: async () => {
      const token = await healthToken(env.DATABASE_URL ?? process.env.DATABASE_URL);
      const res = await fetch(`http://127.0.0.1:${port}/health`, {
        headers: token ? { Authorization: `Bearer ${token}` } : {},
      });
      return { status: res.status, body: (await res.json()) as HealthBody };
    },
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode !== null) return child.exitCode;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

const healthTokens = new Map<string, string>();

/**
 * A `read` token in the database at `databaseUrl`, made once per database, for reading a worker's /health
 * in detail; undefined while that database cannot be reached (then /health answers statuses only).
 */
async function healthToken(databaseUrl: string | undefined): Promise<string | undefined> {
  if (!databaseUrl) return undefined;
  const known = healthTokens.get(databaseUrl);
  if (known) return known;
  const prefix = randomBytes(6).toString('hex');
  const token = `ccat_${prefix}_${randomBytes(32).toString('base64url')}`;
  const client = new Client({ connectionString: databaseUrl, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    await client.query(
      `INSERT INTO api_token (name, prefix, token_hash, scopes) VALUES ($1, $2, $3, ARRAY['read'])`,
      [`health-${prefix}`, prefix, createHash('sha256').update(token).digest('hex')],
    );
    healthTokens.set(databaseUrl, token);
    return token;
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Polls until `check` returns something truthy, or fails with `what` after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T> | T,
  timeoutMs = 15_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (${String(lastError)})` : ''}`,
  );
}

/** The queues a running worker reports as bound, or [] while it cannot answer. */
export async function boundQueues(worker: RunningProcess): Promise<string[]> {
  try {
    const { body } = await worker.health();
    return (body.details?.worker?.boundQueues as string[] | undefined) ?? [];
  } catch {
    return [];
  }
}
