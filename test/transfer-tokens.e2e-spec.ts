import { ConfigService } from '@nestjs/config';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DataSource } from 'typeorm';
import { validateEnvironment } from '../src/config/environment';
import { typeOrmOptions } from '../src/database/typeorm-options';
import { TokenScope } from '../src/engine/auth/api-token.entity';
import { DataLocation } from '../src/catalog/locations/data-location.entity';
import { StorageService } from '../src/engine/storage/storage.service';
import { HttpTransferService } from '../src/pipeline/transfer/http/http-transfer.service';
import { PackageState } from '../src/pipeline/packaging/raw-data-package.states';
import { OperationStatus } from '../src/engine/work/operation-status';
import { CopyStatus } from '../src/catalog/physical-copies/physical-copy.states';
import { WaitingForSetupError } from '../src/engine/work/task-error';
import { TaskQueueService } from '../src/engine/queues/task-queue.service';
import { scheduleWork } from '../src/engine/queues/schedule-work';
import { jobId, queueName } from '../src/engine/queues/queue-name';
import { OperationType } from '../src/engine/queues/operation-type';
import { TRANSFER_WORK } from '../src/pipeline/transfer/data-transfer.work';
import { workWaitingForSetup } from '../src/operations/alerts/waiting-for-setup';
import { createToken, insertObsUnit, insertRawDataPackage } from './support/factories';
import {
  applyDemoTopology,
  cli,
  redisNamespace,
  RedisNamespace,
  RunningProcess,
  startCcatBufferWorker,
  startWorker,
  waitFor,
} from './support/processes';
import { createTestDatabase, TestDatabase } from './support/test-database';

const BUNDLE = 'transfer/bundle_1.tar';
const PART = 'transfer/.bundle_1.tar.0a1b2c3d4e5f.part';
const bytes = randomBytes(4096);
const SHA = createHash('sha256').update(bytes).digest('hex');

/** Open work as a case sets it up: a bundle transfer, or an archive upload of the lone package. */
type Work =
  | { transfer: 'us' | 'cologne'; status: OperationStatus; unpack: OperationStatus }
  | { upload: 'us' | 'cologne'; status: OperationStatus };

/**
 * Transfer tokens bound to a site against a real worker serving the ccat buffer: a bound token reads only
 * what open work bound for its site reads there, anything else is "has no file"; temporaries are served to
 * no one; an unbound token reads as before; a worker keeps its token off plain http unless allowed, says so
 * when it starts, and the transfer waits for it (no try spent) rather than failing until reset.
 */
describe('transfer tokens bound to sites (real worker, PostgreSQL, Redis, disk)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let ns: RedisNamespace;
  let dataRoot: string;
  let worker: RunningProcess;
  const tokens: Record<'us' | 'cologne' | 'unbound', string> = { us: '', cologne: '', unbound: '' };
  let bundleId: string;
  /** In the bundle: what an unpack's re-fetch reads. */
  let member: string;
  /** In no bundle: what an archive upload (DIRECT route) reads. */
  let loose: { id: string; path: string };
  const buffer = (site: string, name = 'buffer') =>
    ds
      .query(
        `SELECT l.id FROM data_location l JOIN site s ON s.id = l.site_id WHERE s.short_name = $1 AND l.name = $2`,
        [site, name],
      )
      .then((r: { id: number }[]) => r[0].id);
  const url = (path: string) => `http://127.0.0.1:${worker.port}/data/ccat/buffer/${path}`;

  const write = (path: string) => {
    const target = join(dataRoot, 'ccat', 'buffer', path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, bytes);
  };

  async function recordCopy(kind: string, subject: string, path: string): Promise<void> {
    const column = `${kind}_id`;
    await ds.transaction(async (m) => {
      await m.query(`SELECT set_config('ccat.actor', 'test', true)`);
      await m.query(
        `INSERT INTO physical_copy (kind, ${column}, location_id, relative_path, status, size, sha256, verified_at)
         VALUES ($1, $2, $3, $4, 'present', $5, $6, now())`,
        [kind, subject, await buffer('ccat'), path, bytes.length, SHA],
      );
    });
  }

  /** The bundle copy's status, set directly: a case stands for a moment of its life, not a walk through it. */
  async function setBundleCopy(status: CopyStatus): Promise<void> {
    await ds.transaction(async (m) => {
      await m.query(`SELECT set_config('ccat.actor', 'test', true)`);
      await m.query(`UPDATE physical_copy SET status = $2 WHERE data_transfer_package_id = $1`, [
        bundleId,
        status,
      ]);
    });
  }

  async function setWork(work: Work[]): Promise<void> {
    await ds.query(`DELETE FROM data_transfer`);
    await ds.query(`DELETE FROM long_term_archive_transfer`);
    const origin = await buffer('ccat');
    for (const w of work) {
      if ('transfer' in w)
        await ds.query(
          `INSERT INTO data_transfer (data_transfer_package_id, origin_location_id, destination_location_id, method, status, unpack_status)
           VALUES ($1, $2, $3, 'http', $4, $5)`,
          [bundleId, origin, await buffer(w.transfer), w.status, w.unpack],
        );
      else
        await ds.query(
          `INSERT INTO long_term_archive_transfer (raw_data_package_id, origin_location_id, destination_location_id, status)
           VALUES ($1, $2, $3, $4)`,
          [loose.id, origin, await buffer(w.upload, 'lta'), w.status],
        );
    }
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    ({ dataRoot } = applyDemoTopology(db.url));
    ds = await new DataSource(typeOrmOptions(db.url)).initialize();
    ns = redisNamespace();
    // The buffer is published at the worker's port: the topology says so, and transfers become http.
    worker = await startCcatBufferWorker(db.url, dataRoot, ns.env);
    tokens.us = await createToken(ds, [TokenScope.TRANSFER], 'transfer-us', { site: 'us' });
    tokens.cologne = await createToken(ds, [TokenScope.TRANSFER], 'transfer-cologne', { site: 'cologne' });
    tokens.unbound = await createToken(ds, [TokenScope.TRANSFER], 'transfer-any');

    [{ id: bundleId }] = await ds.query(
      `INSERT INTO data_transfer_package (name, relative_path, origin_location_id, status, size, sha256, package_count)
       VALUES ('bundle_1', $1, $2, 'completed', $3, $4, 1) RETURNING id`,
      [BUNDLE, await buffer('ccat'), bytes.length, SHA],
    );
    const unit = await insertObsUnit(ds);
    const inBundle = await insertRawDataPackage(ds, unit, {
      status: OperationStatus.COMPLETED,
      state: PackageState.TRANSFERRING,
      size: bytes.length,
      sha256: SHA,
      dataTransferPackageId: bundleId,
    });
    member = inBundle.relativePath;
    const alone = await insertRawDataPackage(ds, unit, {
      name: 'alone',
      relativePath: 'primecam/alone.tar',
      sequence: 2,
      status: OperationStatus.COMPLETED,
      size: bytes.length,
      sha256: SHA,
    });
    loose = { id: alone.id, path: alone.relativePath };
    for (const path of [BUNDLE, PART, member, loose.path]) write(path);
    await recordCopy('data_transfer_package', bundleId, BUNDLE);
    await recordCopy('raw_data_package', inBundle.id, member);
    await recordCopy('raw_data_package', alone.id, loose.path);
  }, 90_000);

  afterAll(async () => {
    await worker?.stop('SIGKILL');
    await ds?.destroy();
    await db?.drop();
    await ns?.cleanup();
    if (dataRoot) rmSync(dataRoot, { recursive: true, force: true });
  });

  const S = OperationStatus;
  const open = { status: S.IN_PROGRESS, unpack: S.PENDING };
  const cases: {
    what: string;
    token: keyof typeof tokens;
    work: Work[];
    path: () => string;
    status: number;
    /** The status of the bundle's copy at the ccat buffer for this case (PRESENT otherwise). */
    bundleCopy?: CopyStatus;
  }[] = [
    {
      what: 'bundle of an open transfer to us',
      token: 'us',
      work: [{ transfer: 'us', ...open }],
      path: () => BUNDLE,
      status: 206,
    },
    {
      what: 'bundle of an open transfer to us, its copy found LOST there',
      token: 'us',
      work: [{ transfer: 'us', ...open }],
      path: () => BUNDLE,
      status: 404,
      bundleCopy: CopyStatus.LOST,
    },
    {
      what: 'bundle of an open transfer to us, its copy being deleted there',
      token: 'us',
      work: [{ transfer: 'us', ...open }],
      path: () => BUNDLE,
      status: 404,
      bundleCopy: CopyStatus.DELETION_IN_PROGRESS,
    },
    {
      what: 'bundle of an open transfer to us, its copy scheduled for deletion (bytes still there)',
      token: 'us',
      work: [{ transfer: 'us', ...open }],
      path: () => BUNDLE,
      status: 206,
      bundleCopy: CopyStatus.DELETION_SCHEDULED,
    },
    {
      what: 'the same bundle when the transfer is to cologne',
      token: 'us',
      work: [{ transfer: 'cologne', ...open }],
      path: () => BUNDLE,
      status: 404,
    },
    {
      what: 'the cologne token, for that transfer to cologne',
      token: 'cologne',
      work: [{ transfer: 'cologne', ...open }],
      path: () => BUNDLE,
      status: 206,
    },
    {
      what: 'the bundle of a completed, unpacked transfer to us',
      token: 'us',
      work: [{ transfer: 'us', status: S.COMPLETED, unpack: S.COMPLETED }],
      path: () => BUNDLE,
      status: 404,
    },
    {
      what: 'a member package while the transfer to us unpacks (re-fetch)',
      token: 'us',
      work: [{ transfer: 'us', status: S.COMPLETED, unpack: S.IN_PROGRESS }],
      path: () => member,
      status: 206,
    },
    {
      what: 'a member package once the transfer to us is unpacked',
      token: 'us',
      work: [{ transfer: 'us', status: S.COMPLETED, unpack: S.COMPLETED }],
      path: () => member,
      status: 404,
    },
    {
      what: 'a member package while the transfer to us is open (its unpack is yet to come)',
      token: 'us',
      work: [{ transfer: 'us', ...open }],
      path: () => member,
      status: 206,
    },
    {
      what: 'a .part temporary beside an open transfer to us',
      token: 'us',
      work: [{ transfer: 'us', ...open }],
      path: () => PART,
      status: 404,
    },
    {
      what: 'a .part temporary, to an unbound token',
      token: 'unbound',
      work: [],
      path: () => PART,
      status: 404,
    },
    {
      what: 'a package an open upload into the us archive reads',
      token: 'us',
      work: [{ upload: 'us', status: S.PENDING }],
      path: () => loose.path,
      status: 206,
    },
    {
      what: 'a package only an upload into the cologne archive reads',
      token: 'us',
      work: [{ upload: 'cologne', status: S.IN_PROGRESS }],
      path: () => loose.path,
      status: 404,
    },
    {
      what: 'a package whose upload into the us archive completed',
      token: 'us',
      work: [{ upload: 'us', status: S.COMPLETED }],
      path: () => loose.path,
      status: 404,
    },
    {
      what: 'a path that does not exist',
      token: 'us',
      work: [{ transfer: 'us', ...open }],
      path: () => 'transfer/none.tar',
      status: 404,
    },
    {
      what: 'the bundle with no open work, to an unbound token (as before)',
      token: 'unbound',
      work: [],
      path: () => BUNDLE,
      status: 206,
    },
  ];

  it.each(cases)('GET $what: $status', async ({ token, work, path, status, bundleCopy }) => {
    await setWork(work);
    await setBundleCopy(bundleCopy ?? CopyStatus.PRESENT);
    const res = await fetch(url(path()), {
      headers: { Authorization: `Bearer ${tokens[token]}`, Range: 'bytes=0-99' },
    });
    expect(res.status).toBe(status);
    if (status === 206)
      expect(Buffer.from(await res.arrayBuffer()).equals(bytes.subarray(0, 100))).toBe(true);
    // The refusal reads as a path that does not exist: it tells nothing of what is there.
    else
      expect(((await res.json()) as { message: string }).message).toBe(`ccat/buffer has no file ${path()}`);
  });

  it('answers the POST check only for what open work bound for the token’s site reads', async () => {
    await setWork([{ transfer: 'cologne', ...open }]);
    const check = (token: string) =>
      fetch(`${url(BUNDLE)}?detectedBy=transfer&details=test`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}` },
      });
    const refused = await check(tokens.us);
    expect(refused.status).toBe(404);
    expect(((await refused.json()) as { message: string }).message).toBe(`ccat/buffer has no file ${BUNDLE}`);
    // The cologne token's check goes through to the copy, found as recorded.
    const checked = await check(tokens.cologne);
    expect(checked.status).toBe(200);
    expect(await checked.json()).toEqual({ loss: null });
  });

  it('binds only transfer tokens, to a site that exists, by CLI too', async () => {
    await expect(createToken(ds, [TokenScope.TRANSFER], 'to-nowhere', { site: 'nowhere' })).rejects.toThrow(
      'cannot bind the token to site nowhere: no such site',
    );
    await expect(createToken(ds, [TokenScope.INGEST], 'ingest-us', { site: 'us' })).rejects.toThrow(
      /site binds a transfer token/,
    );
    const out = cli(['token', 'create', '--name', 'cli-us', '--scopes', 'transfer', '--site', 'us'], {
      DATABASE_URL: db.url,
    });
    expect(out).toMatch(/Created token cli-us with scopes transfer, bound to site us\./);
    expect(cli(['token', 'list'], { DATABASE_URL: db.url })).toMatch(/cli-us .*site us/);
  });

  it('keeps the token off plain http unless TRANSFER_ALLOW_INSECURE=true: the worker says so once at start, and the transfer waits (no try spent) until it is allowed', async () => {
    const originUrl = `http://127.0.0.1:${worker.port}/data/ccat/buffer`;
    const refusal = `refusing to send TRANSFER_TOKEN over plain http to ${originUrl}`;
    // The puller: the work waits for this worker's set-up; it has not failed.
    await setWork([{ transfer: 'us', ...open }]);
    const puller = (allow: string) =>
      new HttpTransferService(
        new ConfigService(
          validateEnvironment({
            DATABASE_URL: db.url,
            ...ns.env,
            TRANSFER_TOKEN: tokens.us,
            TRANSFER_ALLOW_INSECURE: allow,
          }),
        ) as never,
        new StorageService(new ConfigService({})),
        ns.redis,
      );
    const origin = await ds.getRepository(DataLocation).findOneByOrFail({ id: await buffer('ccat') });
    const refused = await puller('false')
      .open(origin, BUNDLE, bytes.length)
      .catch((err: Error) => err);
    expect(refused).toBeInstanceOf(WaitingForSetupError);
    expect((refused as Error).message).toBe(
      `${refusal} (to read from buffer): give that worker TLS (WORKER_TLS_CERT/KEY) and an https dataUrl, ` +
        'or set TRANSFER_ALLOW_INSECURE=true where nothing crosses a network',
    );
    const stream = await puller('true').open(origin, BUNDLE, bytes.length);
    const read: Buffer[] = [];
    for await (const chunk of stream) read.push(chunk as Buffer);
    expect(Buffer.concat(read).equals(bytes)).toBe(true);

    // A us worker without the setting: it says at start what it will not pull from, once.
    await setWork([{ transfer: 'us', status: S.PENDING, unpack: S.PENDING }]);
    const [{ id }] = (await ds.query(`SELECT id FROM data_transfer`)) as { id: string }[];
    const row = async () =>
      (
        await ds.query(
          `SELECT status, retry_count, failure_reason, claimed_at FROM data_transfer WHERE id = $1`,
          [id],
        )
      )[0] as { status: string; retry_count: number; failure_reason: string | null; claimed_at: Date };
    const usEnv = {
      DATABASE_URL: db.url,
      ...ns.env,
      CCAT_DATA_ROOT: dataRoot,
      TRANSFER_TOKEN: tokens.us,
      WORKER_DISCOVERY_INTERVAL: '500ms',
    };
    const queues = new TaskQueueService(new ConfigService(ns.env) as never);
    const queue = queueName('us', 'buffer', OperationType.DATA_TRANSFER);
    let us = await startWorker(['--locations', 'us_buffer'], usEnv);
    try {
      await waitFor('the us worker to name the data port it will not pull from', () =>
        us.output().includes(`${refusal} (to pull from ccat/buffer)`),
      );
      expect(us.output()).toMatch(
        /TRANSFER_ALLOW_INSECURE=true where nothing crosses a network\. Work that reads from ccat\/buffer waits \(not failed, tried again every 0\.5 s\) until then\./,
      );
      await scheduleWork(ds, queues, TRANSFER_WORK, queue, {
        operation: OperationType.DATA_TRANSFER,
        entityId: id,
        locationId: await buffer('us'),
        attempt: 0,
      });
      const waiting = await waitFor('the transfer to wait', async () => {
        const r = await row();
        return r.failure_reason ? r : null;
      });
      expect(waiting).toMatchObject({
        status: OperationStatus.IN_PROGRESS,
        retry_count: 0,
        failure_reason: `waiting: ${refusal} (to pull from buffer): give that worker TLS (WORKER_TLS_CERT/KEY) and an https dataUrl, or set TRANSFER_ALLOW_INSECURE=true where nothing crosses a network`,
      });
      // Tried again a discovery interval later, and again, without a try counted.
      await waitFor(
        'the transfer to be tried again',
        async () => (await row()).claimed_at.getTime() > waiting.claimed_at.getTime(),
      );
      // What the alert manager tells the operators (waiting_for_setup), from the row's reason.
      expect(await workWaitingForSetup(ds)).toEqual([
        {
          stage: 'transfer',
          site: 'us',
          open: 1,
          reason: waiting.failure_reason!.replace(/^waiting: /, ''),
        },
      ]);
      const job = await queues.queue(queue).getJob(jobId(OperationType.DATA_TRANSFER, id, 0));
      expect(job?.attemptsMade).toBe(0);
      expect(await row()).toMatchObject({ status: OperationStatus.IN_PROGRESS, retry_count: 0 });
      // One error at start, not one per discovery or per try.
      expect(us.output().split('refusing to send TRANSFER_TOKEN').length - 1).toBe(1);
      await us.stop();
      // Started again with the setting: the same transfer completes, without an operator's reset.
      us = await startWorker(['--locations', 'us_buffer'], { ...usEnv, TRANSFER_ALLOW_INSECURE: 'true' });
      await waitFor('the transfer to complete', async () => (await row()).status === 'completed', 30_000);
      expect(await row()).toMatchObject({ retry_count: 0, failure_reason: null });
      expect(await workWaitingForSetup(ds)).toEqual([]);
      expect(readFileSync(join(dataRoot, 'us', 'buffer', BUNDLE)).equals(bytes)).toBe(true);
      expect(us.output()).not.toContain('refusing to send TRANSFER_TOKEN');
    } finally {
      // Whatever failed above: no worker or queue connection outlives the test.
      await us.stop('SIGKILL');
      await queues.onApplicationShutdown();
    }
  }, 90_000);
});
