import { ConfigService } from '@nestjs/config';
import { Worker } from 'bullmq';
import { rmSync } from 'node:fs';
import request from 'supertest';
import { TokenScope } from '../src/engine/auth/api-token.entity';
import { heartbeatKey } from '../src/engine/heartbeats/heartbeat';
import { PhysicalCopyService } from '../src/catalog/physical-copies/physical-copy.service';
import { CopyKind, CopyStatus } from '../src/catalog/physical-copies/physical-copy.states';
import { OperationType } from '../src/engine/queues/operation-type';
import { jobId, queueName } from '../src/engine/queues/queue-name';
import { TaskQueueService } from '../src/engine/queues/task-queue.service';
import { RecoveryManager } from '../src/operations/recovery/recovery.manager';
import { WorkResetService } from '../src/operations/recovery/work-reset.service';
import { ApiHarness, startApi } from './support/api-app';
import { createToken } from './support/factories';
import { applyDemoTopology, cli, redisNamespace, RedisNamespace, waitFor } from './support/processes';

/**
 * Recovery of lost work and operators' resets, against real PostgreSQL and Redis: the recovery manager in
 * process, the reset endpoints through the API, `ccat-dt reset` as a process.
 */
describe('recovery and resets (PostgreSQL, Redis, API)', () => {
  let api: ApiHarness;
  let ns: RedisNamespace;
  let dataRoot: string;
  let queues: TaskQueueService;
  let admin: string;
  let reader: string;
  const config = (over: Record<string, unknown> = {}) =>
    new ConfigService({
      ...ns.env,
      RECOVERY_GRACE: 1000,
      RECOVERY_STALL_TIMEOUT: 3_600_000,
      HEARTBEAT_TTL: 1000,
      ...over,
    }) as never;
  const recovery = (over: Record<string, unknown> = {}) =>
    new RecoveryManager(
      api.dataSource,
      queues,
      new WorkResetService(api.dataSource),
      new PhysicalCopyService(api.dataSource),
      config(over),
      ns.redis,
    );
  const ds = () => api.dataSource;

  /** A transfer of a fresh bundle from ccat to the Cologne buffer, in `status`, last touched `ago` s back. */
  const transfer = async (status: string, retry = 0, claimedBy: string | null = null, ago = 5) => {
    const [dtp] = await ds().query(
      `INSERT INTO data_transfer_package (name, relative_path, origin_location_id, status, size, sha256, package_count)
       SELECT 'b_' || gen_random_uuid(), 'transfer/b.tar', l.id, 'completed', 1, repeat('a', 64), 1
         FROM data_location l JOIN site s ON s.id = l.site_id WHERE s.short_name = 'ccat' AND l.name = 'buffer'
       RETURNING id`,
    );
    const [t] = await ds().query(
      `INSERT INTO data_transfer (data_transfer_package_id, origin_location_id, destination_location_id, method, status,
                                  retry_count, claimed_by, updated_at)
       SELECT $1, o.id, d.id, 'local', $2, $3, $4, now() - make_interval(secs => $5)
         FROM data_location o JOIN site os ON os.id = o.site_id, data_location d JOIN site ds ON ds.id = d.site_id
        WHERE os.short_name = 'ccat' AND o.name = 'buffer' AND ds.short_name = 'cologne' AND d.name = 'buffer'
       RETURNING id, destination_location_id AS destination`,
      [dtp.id, status, retry, claimedBy, ago],
    );
    return t as { id: string; destination: number };
  };
  const row = async (id: string) =>
    (
      await ds().query(
        `SELECT status, retry_count AS retry, failure_reason AS reason FROM data_transfer WHERE id = $1`,
        [id],
      )
    )[0];

  beforeAll(async () => {
    ns = redisNamespace();
    api = await startApi({ ...ns.env });
    ({ dataRoot } = applyDemoTopology(api.db.url));
    queues = new TaskQueueService(config());
    admin = await createToken(api.dataSource, [TokenScope.ADMIN]);
    reader = await createToken(api.dataSource, [TokenScope.READ]);
  });
  afterAll(async () => {
    await queues.onApplicationShutdown();
    await api.close();
    await ns.cleanup();
    rmSync(dataRoot, { recursive: true, force: true });
  });

  it('resets scheduled work whose job is gone from Redis, and leaves work whose job is there', async () => {
    const lost = await transfer('scheduled');
    const queued = await transfer('scheduled');
    await queues.enqueue(queueName('cologne', 'buffer', OperationType.DATA_TRANSFER), {
      operation: OperationType.DATA_TRANSFER,
      entityId: queued.id,
      locationId: queued.destination,
      attempt: 0,
    });
    const fresh = await transfer('scheduled', 0, null, 0); // within the grace: its scheduling may not have committed
    expect(await recovery().runCycle()).toEqual({ reset: { transfer: 1 } });
    expect(await row(lost.id)).toEqual({
      status: 'pending',
      retry: 1,
      reason: 'reset by recovery: its job is gone from Redis',
    });
    expect((await row(queued.id)).status).toBe('scheduled');
    expect((await row(fresh.id)).status).toBe('scheduled');
  });

  it('resets work in progress only once its worker has had no heartbeat for HEARTBEAT_TTL', async () => {
    const prefix = ns.env.REDIS_KEY_PREFIX;
    await ns.redis.set(heartbeatKey(prefix, 'worker', 'worker-cologne-alive-1'), '{}', 'PX', 60_000);
    const alive = await transfer('in_progress', 0, 'worker-cologne-alive-1');
    const dead = await transfer('in_progress', 0, 'worker-cologne-dead-2');
    const manager = recovery();
    // First seen without a heartbeat: it may only be a Redis that lost its keys a moment ago.
    await manager.runCycle();
    expect((await row(dead.id)).status).toBe('in_progress');
    await new Promise((r) => setTimeout(r, 1100));
    await manager.runCycle();
    expect(await row(dead.id)).toMatchObject({ status: 'pending', retry: 1 });
    expect((await row(dead.id)).reason).toMatch(/worker-cologne-dead-2 has had no heartbeat/);
    expect((await row(alive.id)).status).toBe('in_progress');
    // Alive but not moving it for longer than the stall timeout.
    await recovery({ RECOVERY_STALL_TIMEOUT: 1000 }).runCycle();
    expect((await row(alive.id)).reason).toMatch(/has not moved it for \d+ s/);
  });

  it('fails work for good, with the reason, once its attempts are spent', async () => {
    const spent = await transfer('scheduled', 3);
    await recovery().runCycle();
    expect(await row(spent.id)).toEqual({
      status: 'failed',
      retry: 3,
      reason: 'stuck scheduled and its job is gone from Redis; gave up after 4 of 4 tries',
    });
  });

  it('returns lost deletions to be scheduled again, and fails one that had started so its rule is re-checked', async () => {
    const copies = new PhysicalCopyService(ds());
    const [buffer] = await ds().query(`SELECT id FROM data_location WHERE name = 'buffer' LIMIT 1`);
    const bundles = await ds().query(`SELECT id FROM data_transfer_package ORDER BY id LIMIT 2`);
    const ids = await ds().transaction((m) =>
      copies.createCopies(
        m,
        [1, 2].map((i) => ({
          kind: CopyKind.DATA_TRANSFER_PACKAGE,
          dataTransferPackageId: bundles[i - 1].id,
          locationId: buffer.id,
          relativePath: `transfer/x${i}.tar`,
          size: 1,
          sha256: 'f'.repeat(64),
        })),
        { actor: 'test' },
      ),
    );
    await ds().transaction(async (m) => {
      for (const id of ids) await copies.transition(id, CopyStatus.DELETION_SCHEDULED, { actor: 'test' }, m);
      await copies.transition(ids[1], CopyStatus.DELETION_IN_PROGRESS, { actor: 'test' }, m);
      await m.query(`UPDATE physical_copy SET updated_at = now() - interval '5 seconds' WHERE id = ANY($1)`, [
        ids,
      ]);
    });
    expect(await recovery().runCycle()).toMatchObject({ reset: { deletion: 2 } });
    const statuses = await ds().query(`SELECT id, status FROM physical_copy WHERE id = ANY($1)`, [ids]);
    expect(Object.fromEntries(statuses.map((s: { id: string; status: string }) => [s.id, s.status]))).toEqual(
      {
        [ids[0]]: 'present',
        [ids[1]]: 'deletion_failed',
      },
    );
  });

  it('frees the job id of a scheduled deletion whose job finished without it, so that it is scheduled for real again', async () => {
    const copies = new PhysicalCopyService(ds());
    const [buffer] = await ds().query(
      `SELECT l.id, s.short_name AS site, l.name FROM data_location l JOIN site s ON s.id = l.site_id
        WHERE l.name = 'buffer' ORDER BY l.id LIMIT 1`,
    );
    const [bundle] = await ds().query(`SELECT id FROM data_transfer_package ORDER BY id DESC LIMIT 1`);
    const [id] = await ds().transaction((m) =>
      copies.createCopies(
        m,
        [
          {
            kind: CopyKind.DATA_TRANSFER_PACKAGE,
            dataTransferPackageId: bundle.id,
            locationId: buffer.id,
            relativePath: 'transfer/finished-job.tar',
            size: 1,
            sha256: 'e'.repeat(64),
          },
        ],
        { actor: 'test' },
      ),
    );
    const payload = { operation: OperationType.DELETION, entityId: id, locationId: buffer.id, attempt: 0 };
    const name = queueName(buffer.site, buffer.name, OperationType.DELETION);
    const queue = queues.queue(name);
    const stateOfJob = async () =>
      (await queue.getJob(jobId(OperationType.DELETION, id, 0)))?.getState() ?? 'missing';
    // The job under the copy's deletion id runs and finishes without deleting (it found the copy not
    // scheduled at that moment), while the row ends up scheduled: what a kill and a recovery can leave.
    await queues.enqueue(name, payload);
    const worker = new Worker(name, async () => 'skipped', {
      connection: queue.opts.connection,
      prefix: queue.opts.prefix,
    });
    await waitFor('the job to finish', async () => (await stateOfJob()) === 'completed');
    await worker.close();
    await ds().transaction(async (m) => {
      await copies.transition(id, CopyStatus.DELETION_SCHEDULED, { actor: 'test' }, m);
      await m.query(`UPDATE physical_copy SET updated_at = now() - interval '5 seconds' WHERE id = $1`, [id]);
    });
    await recovery().runCycle();
    expect((await ds().query(`SELECT status FROM physical_copy WHERE id = $1`, [id]))[0].status).toBe(
      'present',
    );
    // The next scheduling's job is really queued (BullMQ would have ignored it under a finished job's id).
    expect(await stateOfJob()).toBe('missing');
    await queues.enqueue(name, payload);
    expect(await stateOfJob()).toBe('waiting');
  });

  it('lets an admin reset a failed transfer or unpack over REST, and refuses everything else clearly', async () => {
    const failed = await transfer('failed', 2);
    await ds().query(`UPDATE data_transfer SET failure_reason = 'checksum mismatch' WHERE id = $1`, [
      failed.id,
    ]);
    const http = request(api.app.getHttpServer());
    const post = (path: string, token = admin) => http.post(path).set({ Authorization: `Bearer ${token}` });

    await post(`/data-transfers/${failed.id}/reset`, reader).expect(403);
    await http.post(`/data-transfers/${failed.id}/reset`).expect(401);
    const bad = await post('/data-transfers/not-a-uuid/reset').expect(400);
    expect(bad.body.message).toMatch(/uuid/i);
    await post(`/data-transfers/00000000-0000-4000-8000-000000000000/reset`).expect(404);

    const ok = await post(`/data-transfers/${failed.id}/reset`).expect(200);
    expect(ok.body).toMatchObject({ kind: 'transfer', from: 'failed', to: 'pending', retry: 3 });
    expect(await row(failed.id)).toMatchObject({
      status: 'pending',
      retry: 3,
      reason: expect.stringMatching(/^reset by token:.* after: checksum mismatch$/),
    });
    const again = await post(`/data-transfers/${failed.id}/reset`).expect(409);
    expect(again.body.message).toBe(`transfer ${failed.id} is pending: only failed work can be reset`);

    const unpack = await transfer('completed');
    await ds().query(`UPDATE data_transfer SET unpack_status = 'failed' WHERE id = $1`, [unpack.id]);
    await post(`/data-transfers/${unpack.id}/unpack/reset`).expect(200);
    const [u] = await ds().query(
      `SELECT unpack_status, unpack_retry_count FROM data_transfer WHERE id = $1`,
      [unpack.id],
    );
    expect(u).toEqual({ unpack_status: 'pending', unpack_retry_count: 1 });
  });

  it('resets from the CLI too, naming the kinds it knows', async () => {
    const failed = await transfer('failed');
    const out = cli(['reset', 'transfer', failed.id], { DATABASE_URL: api.db.url });
    expect(out).toContain(`transfer ${failed.id}: failed -> pending, retry 1.`);
    expect(() => cli(['reset', 'teleport', failed.id], { DATABASE_URL: api.db.url })).toThrow(
      /no kind of work "teleport": one of package, bundle, transfer, unpack, archive, staging/,
    );
  });
});
