import { ConfigService } from '@nestjs/config';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { S3Server, startS3Server } from '../scripts/lib/s3-server';
import { validateEnvironment } from '../src/config/environment';
import { typeOrmOptions } from '../src/database/typeorm-options';
import { TokenScope } from '../src/engine/auth/api-token.entity';
import { clockCheck, DoctorCheck } from '../src/operations/doctor/doctor-check';
import { DoctorService } from '../src/operations/doctor/doctor.service';
import { StorageService } from '../src/engine/storage/storage.service';
import { createToken } from './support/factories';
import {
  applyDemoTopology,
  freePort,
  redisNamespace,
  RedisNamespace,
  RunningProcess,
  startWorker,
  waitFor,
} from './support/processes';
import { createTestDatabase, TestDatabase } from './support/test-database';

const ROOT = join(__dirname, '..');

/**
 * `ccat-dt doctor` against the demo topology with a real Cologne worker, PostgreSQL, Redis and s3rver:
 * all OK when the set-up is healthy, and a FAIL with its fix for each piece broken in turn.
 */
describe('ccat-dt doctor (PostgreSQL, Redis, s3rver, a worker process)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let ns: RedisNamespace;
  let s3: S3Server;
  let worker: RunningProcess;
  let dataRoot: string;
  let env: Record<string, string>;

  const doctor = (over: { ds?: DataSource; redis?: Redis; env?: Record<string, string> } = {}) => {
    const settings = { ...env, ...over.env };
    return new DoctorService(
      over.ds ?? ds,
      over.redis ?? ns.redis,
      new StorageService(new ConfigService(validateEnvironment(settings))),
      new ConfigService(validateEnvironment(settings)) as never,
    );
  };
  const row = (checks: DoctorCheck[], check: string) => checks.find((c) => c.check.startsWith(check));
  const failed = (checks: DoctorCheck[]) => checks.filter((c) => c.status === 'FAIL').map((c) => c.check);

  beforeAll(async () => {
    db = await createTestDatabase();
    ns = redisNamespace();
    s3 = await startS3Server(['ccat-cologne-lta', 'ccat-us-lta']);
    const port = await freePort();
    ({ dataRoot } = applyDemoTopology(db.url, {
      CCAT_S3_ENDPOINT: s3.endpoint,
      COLOGNE_BUFFER_DATA_URL: `http://127.0.0.1:${port}/data/cologne/buffer`,
    }));
    for (const dir of ['buffer', 'buffer_secondary', 'ramses_processing'])
      mkdirSync(join(dataRoot, 'cologne', dir), { recursive: true });
    ds = await new DataSource(typeOrmOptions(db.url)).initialize();
    env = {
      DATABASE_URL: db.url,
      ...ns.env,
      CCAT_DATA_ROOT: dataRoot,
      COLOGNE_S3_ACCESS_KEY: s3.credentials.accessKeyId,
      COLOGNE_S3_SECRET_KEY: s3.credentials.secretAccessKey,
      TRANSFER_TOKEN: await createToken(ds, [TokenScope.TRANSFER]),
      // The worker's data port is plain http on this host: the token may travel in clear here.
      TRANSFER_ALLOW_INSECURE: 'true',
      HEARTBEAT_INTERVAL: '1s',
    };
    Object.assign(process.env, {
      COLOGNE_S3_ACCESS_KEY: env.COLOGNE_S3_ACCESS_KEY,
      COLOGNE_S3_SECRET_KEY: env.COLOGNE_S3_SECRET_KEY,
    });
    worker = await startWorker(['--site', 'cologne'], { ...env, WORKER_HTTP_PORT: String(port) });
    await waitFor(
      'the Cologne worker to beat',
      async () => (await ns.redis.keys(`${ns.env.REDIS_KEY_PREFIX}health:worker:*`)).length > 0,
      60_000,
    );
  }, 90_000);
  afterAll(async () => {
    await worker?.stop('SIGKILL');
    await ds?.destroy();
    await db?.drop();
    await ns?.cleanup();
    await s3?.stop();
    rmSync(dataRoot, { recursive: true, force: true });
  });

  it('says OK to every row of a healthy site, as the built CLI with --json (exit 0)', async () => {
    // Not spawnSync: s3rver runs in this process and must go on answering.
    const run = await promisify(execFile)(
      process.execPath,
      [join(ROOT, 'bin', 'ccat-dt.js'), 'doctor', '--site', 'cologne', '--json'],
      {
        env: { ...process.env, ...env },
        encoding: 'utf8',
      },
    ).then(
      (r) => ({ ...r, status: 0 }),
      (err: { stdout: string; stderr: string; code: number }) => ({
        stdout: err.stdout,
        stderr: err.stderr,
        status: err.code,
      }),
    );
    const report = JSON.parse(run.stdout) as { ok: boolean; checks: DoctorCheck[] };
    expect(report.checks.filter((c) => c.status !== 'OK')).toEqual([]);
    expect(run.status).toBe(0);
    expect(report.checks.map((c) => c.check)).toEqual(
      expect.arrayContaining([
        'database',
        'migrations',
        'redis',
        'clock',
        'location cologne/buffer (disk buffer)',
        'location cologne/lta (s3 long_term_archive)',
        'location cologne/ramses_processing (disk processing)',
        'data port of cologne/buffer',
        'workers of cologne',
      ]),
    );
    expect(row(report.checks, 'location cologne/lta')!.detail).toMatch(
      /probe written, read back \(sha256 matches\) and removed/,
    );
    expect(row(report.checks, 'release of worker')!.status).toBe('OK');
  });

  it('names a database it cannot reach, and pending migrations by name', async () => {
    const missing = new DataSource(typeOrmOptions(db.url.replace(/[^/]+$/, 'ccat_doctor_missing')));
    const unreachable = await doctor({ ds: missing }).run({ site: 'cologne' });
    expect(failed(unreachable)).toEqual(['database']);
    expect(row(unreachable, 'database')!.detail).toContain('does not exist');
    expect(row(unreachable, 'locations')!.status).toBe('SKIP');

    const empty = await createTestDatabase(null);
    const fresh = await new DataSource(typeOrmOptions(empty.url)).initialize();
    try {
      const checks = await doctor({ ds: fresh }).run({ site: 'cologne' });
      expect(row(checks, 'migrations')).toMatchObject({ status: 'FAIL', fix: 'ccat-dt migrate' });
      expect(row(checks, 'migrations')!.detail).toMatch(/pending: Initial\d+, /);
    } finally {
      await fresh.destroy();
      await empty.drop();
    }
  });

  it('fails Redis, a missing disk root, missing S3 credentials and a missing bucket, each with its fix', async () => {
    const noRedis = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    try {
      const checks = await doctor({ redis: noRedis }).run({ site: 'cologne' });
      expect(row(checks, 'redis')!.status).toBe('FAIL');
      expect(row(checks, 'live workers')!.status).toBe('SKIP');
    } finally {
      noRedis.disconnect();
    }

    const processing = join(dataRoot, 'cologne', 'ramses_processing');
    renameSync(processing, `${processing}.away`);
    try {
      const checks = await doctor().run({ site: 'cologne' });
      expect(failed(checks)).toEqual(['location cologne/ramses_processing (disk processing)']);
      expect(row(checks, 'location cologne/ramses_processing')!.fix).toBe(`mkdir -p ${processing}`);
    } finally {
      renameSync(`${processing}.away`, processing);
    }

    const keys = { id: process.env.COLOGNE_S3_ACCESS_KEY, secret: process.env.COLOGNE_S3_SECRET_KEY };
    delete process.env.COLOGNE_S3_ACCESS_KEY;
    try {
      const checks = await doctor().run({ site: 'cologne' });
      expect(row(checks, 'location cologne/lta')).toMatchObject({
        status: 'FAIL',
        detail: 'credentials not set: COLOGNE_S3_ACCESS_KEY',
      });
    } finally {
      process.env.COLOGNE_S3_ACCESS_KEY = keys.id;
    }

    await ds.query(
      `UPDATE data_location SET s3_bucket = 'ccat-no-such-bucket' WHERE name = 'lta' AND site_id = (SELECT id FROM site WHERE short_name = 'cologne')`,
    );
    try {
      const checks = await doctor().run({ site: 'cologne' });
      expect(row(checks, 'location cologne/lta')!.status).toBe('FAIL');
      expect(row(checks, 'location cologne/lta')!.detail).toMatch(/probe failed: .*bucket/i);
    } finally {
      await ds.query(
        `UPDATE data_location SET s3_bucket = 'ccat-cologne-lta' WHERE name = 'lta' AND site_id = (SELECT id FROM site WHERE short_name = 'cologne')`,
      );
    }
  });

  it('fails a wrong transfer token, a worker of an incompatible release, and then a stopped worker', async () => {
    const inClear = await doctor({ env: { TRANSFER_ALLOW_INSECURE: 'false' } }).run({ site: 'cologne' });
    expect(row(inClear, 'data port of cologne/buffer')).toMatchObject({
      status: 'FAIL',
      detail: expect.stringMatching(/plain http: workers will not send TRANSFER_TOKEN/),
    });

    const wrongToken = await doctor({
      env: { TRANSFER_TOKEN: await createToken(ds, [TokenScope.READ]) },
    }).run({ site: 'cologne' });
    expect(row(wrongToken, 'data port of cologne/buffer')).toMatchObject({
      status: 'FAIL',
      detail: 'the transfer token was refused (403)',
    });

    const future = `${ns.env.REDIS_KEY_PREFIX}health:worker:future`;
    await ns.redis.set(
      future,
      JSON.stringify({
        type: 'worker',
        name: 'future',
        host: 'x',
        pid: 1,
        startedAt: '',
        beatAt: '',
        serves: [],
        release: '9.0.0',
        protocol: 99,
      }),
      'PX',
      30_000,
    );
    try {
      const checks = await doctor().run({ site: 'cologne' });
      expect(row(checks, 'release of worker future')!.detail).toMatch(
        /speaks protocol 99 \(release 9\.0\.0\)/,
      );
      expect(failed(checks)).toEqual(['release of worker future']);
    } finally {
      await ns.redis.del(future);
    }

    await worker.stop('SIGTERM');
    const checks = await doctor().run({ site: 'cologne' });
    expect(row(checks, 'data port of cologne/buffer')!.detail).toMatch(/unreachable/);
    expect(row(checks, 'workers of cologne')).toMatchObject({
      status: 'FAIL',
      fix: 'start `worker --site cologne` where its storage is',
    });
  });

  it('fails a clock more than 2 s off the database', () => {
    expect(clockCheck(150).status).toBe('OK');
    expect(clockCheck(-4_000)).toMatchObject({
      status: 'FAIL',
      detail: '-4.000 s against the database (more than 2 s)',
    });
  });
});
