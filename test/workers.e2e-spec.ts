import { Job, Queue } from 'bullmq';
import { mkdtempSync } from 'node:fs';
import { createConnection, createServer, Server, Socket } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { redisOptionsFromUrl } from '../src/engine/redis/redis-options';
import { typeOrmOptions } from '../src/database/typeorm-options';
import { heartbeatKey, Heartbeat } from '../src/engine/heartbeats/heartbeat';
import { LocationType } from '../src/catalog/locations/location-type';
import { OperationType, QUEUE_OPERATIONS_BY_LOCATION_TYPE } from '../src/engine/queues/operation-type';
import { TaskPayload } from '../src/engine/queues/queue-descriptor';
import { jobId, queueName } from '../src/engine/queues/queue-name';
import {
  applyDemoTopology,
  boundQueues,
  cli,
  freePort,
  REDIS_URL,
  redisNamespace,
  RedisNamespace,
  RunningProcess,
  startWorker,
  waitFor,
} from './support/processes';
import { createTestDatabase, TestDatabase } from './support/test-database';

const DISCOVERY_MS = 1000;
const SHUTDOWN_TIMEOUT_MS = 3000;
const HEARTBEAT_TTL_MS = 5000;
/** Slack on top of a discovery interval: a pass's query, the health poll's round trip, a loaded CI host. */
const MARGIN_MS = 1500;
/** How long a job nobody should take is watched after the ones that were taken: many BullMQ polls. */
const NOT_CONSUMED_MS = 1500;

interface LocationRow {
  site: string;
  name: string;
  location_type: LocationType;
}

/** A TCP forwarder, to make a closed port (PostgreSQL, Redis) reachable at a chosen moment. */
interface Proxy {
  close(): Promise<void>;
}

function tcpProxy(port: number, targetPort: number, targetHost = '127.0.0.1'): Promise<Proxy> {
  const sockets = new Set<Socket>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };
  const server: Server = createServer((client) => {
    const upstream = createConnection(targetPort, targetHost);
    track(client);
    track(upstream);
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () =>
      resolve({
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      }),
    );
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('workers bind exactly the queues of their locations (real processes, PostgreSQL, Redis)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  const running: RunningProcess[] = [];
  const namespaces: RedisNamespace[] = [];
  const queues: Queue<TaskPayload>[] = [];
  const proxies: Proxy[] = [];
  /** SQL that puts the demo topology back after a test changed it, run even when the test failed. */
  const undo: string[] = [];

  const namespace = () => {
    const ns = redisNamespace();
    namespaces.push(ns);
    return ns;
  };

  const env = (ns: RedisNamespace, overrides: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
    DATABASE_URL: db.url,
    ...ns.env,
    WORKER_DISCOVERY_INTERVAL: `${DISCOVERY_MS}ms`,
    WORKER_SHUTDOWN_TIMEOUT: `${SHUTDOWN_TIMEOUT_MS}ms`,
    HEARTBEAT_INTERVAL: '500ms',
    HEARTBEAT_TTL: `${HEARTBEAT_TTL_MS}ms`,
    ...overrides,
  });

  const start = async (args: string[], environment: NodeJS.ProcessEnv) => {
    const worker = await startWorker(args, environment);
    running.push(worker);
    return worker;
  };

  const queue = (ns: RedisNamespace, name: string) => {
    const q = new Queue<TaskPayload>(name, {
      connection: redisOptionsFromUrl(REDIS_URL),
      prefix: ns.env.QUEUE_PREFIX,
    });
    queues.push(q);
    return q;
  };

  /** The active locations, as the database says after the demo topology (and a test's changes). */
  const activeLocations = (): Promise<(LocationRow & { id: number })[]> =>
    ds.query(
      `SELECT l.id, s.short_name AS site, l.name, l.location_type
         FROM data_location l JOIN site s ON s.id = l.site_id WHERE l.active ORDER BY 2, 3`,
    );

  /** Every queue of one location, from the operation/location-type matrix. */
  const queuesOf = (site: string, name: string, type: LocationType) =>
    QUEUE_OPERATIONS_BY_LOCATION_TYPE[type].map((op) => queueName(site, name, op));

  const ccatQueues = async () =>
    (await activeLocations())
      .filter((l) => l.site === 'ccat')
      .flatMap((l) => queuesOf(l.site, l.name, l.location_type))
      .sort();

  /** Waits until the worker reports exactly `expected` as bound; fails with what it reports instead. */
  const waitForBound = async (worker: RunningProcess, expected: string[], timeoutMs = 15_000) => {
    const want = [...expected].sort();
    let last: string[] = [];
    await waitFor(
      `bound queues to be ${want.join(', ') || 'none'}`,
      async () => {
        last = await boundQueues(worker);
        return JSON.stringify(last) === JSON.stringify(want);
      },
      timeoutMs,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; last reported: [${last.join(', ')}]\n${worker.output().slice(-3000)}`);
    });
  };

  const monitoringJob = (q: Queue<TaskPayload>, locationId: number, entityId: string) =>
    q.add(
      OperationType.MONITORING,
      { operation: OperationType.MONITORING, entityId, locationId, attempt: 1 },
      { jobId: jobId(OperationType.MONITORING, entityId, 1) },
    );

  /** Waits for a job a worker took and finished (a monitoring job measures its location and completes). */
  const waitConsumed = async (job: Job<TaskPayload>, timeoutMs = 10_000) => {
    await waitFor(
      `job ${job.id} on ${job.queueName} to be consumed`,
      async () => (await job.getState()) === 'completed',
      timeoutMs,
    );
    const done = await Job.fromId(
      queues.find((q) => q.name === job.queueName)!,
      job.id!,
    );
    // The worker measured the location the job names.
    expect(done?.returnvalue).toMatchObject({ locationId: job.data.locationId });
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    applyDemoTopology(db.url);
    ds = await new DataSource(typeOrmOptions(db.url)).initialize();
  });

  afterEach(async () => {
    await Promise.all(running.splice(0).map((p) => p.stop('SIGKILL')));
    await Promise.all(proxies.splice(0).map((p) => p.close()));
    await Promise.all(queues.splice(0).map((q) => q.close()));
    for (const sql of undo.splice(0)) await ds.query(sql);
    await Promise.all(namespaces.splice(0).map((ns) => ns.cleanup()));
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('with --site ccat binds exactly the queues of ccat, and takes jobs from none of the other sites', async () => {
    const locations = await activeLocations();
    const expected = await ccatQueues();
    // The demo's ccat: a source (5 operations) and a buffer (7 operations), fixity audits included.
    expect(locations.filter((l) => l.site === 'ccat').map((l) => [l.name, l.location_type])).toEqual([
      ['buffer', LocationType.BUFFER],
      ['telescope_computer', LocationType.SOURCE],
    ]);
    expect(expected).toHaveLength(5 + 7);

    const ns = namespace();
    const worker = await start(['--site', 'ccat'], env(ns));
    await waitForBound(worker, expected);

    // One monitoring job on every active location; only ccat's are taken.
    const jobs = await Promise.all(
      locations.map(async (l) => ({
        site: l.site,
        job: await monitoringJob(
          queue(ns, queueName(l.site, l.name, OperationType.MONITORING)),
          l.id,
          `${l.site}-${l.name}`,
        ),
      })),
    );
    expect(jobs.filter((j) => j.site !== 'ccat').length).toBeGreaterThanOrEqual(5);
    for (const { job } of jobs.filter((j) => j.site === 'ccat')) await waitConsumed(job);
    await sleep(NOT_CONSUMED_MS);
    for (const { job } of jobs.filter((j) => j.site !== 'ccat')) {
      expect([job.queueName, await job.getState()]).toEqual([job.queueName, 'waiting']);
    }
    // And BullMQ itself sees a worker on every ccat queue and none on the others.
    for (const q of queues) {
      expect([q.name, await q.getWorkersCount()]).toEqual([q.name, q.name.startsWith('ccat_') ? 1 : 0]);
    }
  });

  it('binds the queues of a location added while it runs, unbinds them when it is deactivated, and binds them again', async () => {
    const ns = namespace();
    const worker = await start(['--site', 'ccat'], env(ns));
    const before = await ccatQueues();
    await waitForBound(worker, before);

    const root = mkdtempSync(join(tmpdir(), 'ccat-hotplug-'));
    const [{ id }] = await ds.query(
      `INSERT INTO data_location (site_id, name, location_type, storage_type, root_path, active)
       SELECT id, 'hotplug_buffer', 'buffer', 'disk', $1, true FROM site WHERE short_name = 'ccat' RETURNING id`,
      [root],
    );
    undo.push(`DELETE FROM data_location WHERE id = ${Number(id)}`);
    const added = queuesOf('ccat', 'hotplug_buffer', LocationType.BUFFER);
    let since = Date.now();
    await waitForBound(worker, [...before, ...added], DISCOVERY_MS + MARGIN_MS);
    const monitoring = queue(ns, queueName('ccat', 'hotplug_buffer', OperationType.MONITORING));
    await waitConsumed(await monitoringJob(monitoring, id, 'hotplug-1'));

    await ds.query(`UPDATE data_location SET active = false WHERE id = $1`, [id]);
    since = Date.now();
    await waitForBound(worker, before, DISCOVERY_MS + MARGIN_MS);
    // Gone from /health as soon as the unbind starts; wait until BullMQ's worker really has closed too.
    await waitFor(
      'the deactivated location to have no BullMQ worker left',
      async () => (await monitoring.getWorkersCount()) === 0,
      DISCOVERY_MS + MARGIN_MS - (Date.now() - since),
    );
    for (const name of added)
      expect(worker.output()).toContain(`unbound ${name}: its location is no longer active`);
    const late = await monitoringJob(monitoring, id, 'hotplug-2');
    await sleep(NOT_CONSUMED_MS);
    expect(await late.getState()).toBe('waiting');

    await ds.query(`UPDATE data_location SET active = true WHERE id = $1`, [id]);
    await waitForBound(worker, [...before, ...added], DISCOVERY_MS + MARGIN_MS);
    // The job left waiting while the location was out of service is taken once it is back.
    await waitConsumed(late);
  });

  it('with --locations naming an inactive location binds nothing, says so, and binds it once it is activated', async () => {
    const ns = namespace();
    const worker = await start(['--locations', 'cologne_buffer_backup'], env(ns));
    await waitFor('the worker to report that cologne_buffer_backup is not active', () =>
      /not \(yet\) active locations, waiting for them: cologne_buffer_backup/.test(worker.output()),
    );
    // The warning comes out of a finished discovery pass, so "nothing bound" is its result, not a start-up state.
    expect(await boundQueues(worker)).toEqual([]);
    const { body } = await worker.health();
    expect(body.details?.worker).toMatchObject({
      serves: 'locations cologne_buffer_backup',
      boundQueues: [],
    });

    await ds.query(
      `UPDATE data_location SET active = true
        WHERE name = 'buffer_backup' AND site_id = (SELECT id FROM site WHERE short_name = 'cologne')`,
    );
    undo.push(
      `UPDATE data_location SET active = false
        WHERE name = 'buffer_backup' AND site_id = (SELECT id FROM site WHERE short_name = 'cologne')`,
    );
    await waitForBound(
      worker,
      queuesOf('cologne', 'buffer_backup', LocationType.BUFFER),
      DISCOVERY_MS + MARGIN_MS,
    );
  });

  it('with --site and --operations, or --queues, binds exactly those; list-queues names who serves each, status flags the rest', async () => {
    const ns = namespace();
    const cologneOps = (await activeLocations())
      .filter((l) => l.site === 'cologne')
      .flatMap((l) => queuesOf(l.site, l.name, l.location_type))
      .filter((q) => q.endsWith('_deletion') || q.endsWith('_monitoring'));
    // cologne's buffers, archive and processing: deletion where the type has it, monitoring everywhere.
    expect(cologneOps).toEqual(expect.arrayContaining(['cologne_buffer_deletion', 'cologne_lta_monitoring']));
    const named = ['ccat_buffer_data_transfer', 'us_lta_fixity'];
    const [byOperation, byQueue] = await Promise.all([
      start(['--site', 'cologne', '--operations', 'deletion,monitoring'], env(ns)),
      // The backup buffer is inactive in the demo: its queue is waited for, not refused.
      start(['--queues', [...named, 'cologne_buffer_backup_monitoring'].join(',')], env(ns)),
    ]);
    await Promise.all([waitForBound(byOperation, cologneOps), waitForBound(byQueue, named)]);
    expect(byQueue.output()).toContain(
      'queues of inactive locations, bound once they are active: cologne_buffer_backup_monitoring',
    );
    expect((await byOperation.health()).body.details?.worker).toMatchObject({
      serves: 'site cologne, only operations deletion,monitoring',
    });
    // BullMQ agrees: a worker on the chosen queues, none on the others of the same location.
    for (const [name, workers] of [
      ['cologne_buffer_deletion', 1],
      ['cologne_buffer_data_transfer', 0],
      ['ccat_buffer_data_transfer', 1],
      ['ccat_buffer_deletion', 0],
    ] as const)
      expect([name, await queue(ns, name).getWorkersCount()]).toEqual([name, workers]);

    const cliEnv = { ...ns.env, DATABASE_URL: db.url };
    const rows = new Map(
      cli(['list-queues'], cliEnv)
        .split('\n')
        .map((line) => [line.split(/\s+/)[0], line] as const),
    );
    const operationWorker = `worker-cologne-${hostname()}-${byOperation.child.pid}`;
    const queueWorker = `worker-queues-${hostname()}-${byQueue.child.pid}`;
    expect(rows.get('cologne_buffer_deletion')).toMatch(new RegExp(`${operationWorker}$`));
    expect(rows.get('us_lta_fixity')).toMatch(new RegExp(`${queueWorker}$`));
    expect(rows.get('cologne_buffer_data_transfer')).toMatch(/NO LIVE WORKER$/);
    expect(rows.has('cologne_buffer_backup_monitoring')).toBe(false);

    // Every site has a live worker, so status names the queues, not sites: those no one serves.
    const status = cli(['status'], cliEnv);
    expect(status).not.toContain('NO LIVE WORKER at');
    const flagged = status.split('QUEUES NO LIVE WORKER SERVES')[1]?.split('\n').slice(1) ?? [];
    const unserved = [...rows.entries()]
      .filter(([, line]) => line.endsWith('NO LIVE WORKER'))
      .map(([name]) => `  ${name}`);
    expect(unserved.length).toBeGreaterThan(20);
    expect(flagged.filter((l) => l.startsWith('  '))).toEqual(unserved);
  });

  it('refuses an unknown operation at once, and a queue no location has (or the other options leave out) once it can check, naming them', async () => {
    const ns = namespace();
    const [operation, queues] = await Promise.all([
      start(['--site', 'ccat', '--operations', 'deletion,sorting'], env(ns)),
      start(
        ['--site', 'ccat', '--queues', 'ccat_buffer_deletion,ccat_bufer_deletion,cologne_lta_fixity'],
        env(ns),
      ),
    ]);
    await waitFor('both to exit', () => operation.child.exitCode !== null && queues.child.exitCode !== null);
    expect(operation.child.exitCode).toBe(2);
    expect(operation.output()).toMatch(
      /ccat-dt worker: unknown operation sorting in --operations; the operations are /,
    );
    expect(queues.child.exitCode).toBe(2);
    expect(queues.output()).toContain(
      'ccat-dt worker: --queues refused: no location has the queue(s) ccat_bufer_deletion ' +
        '(`ccat-dt list-queues` lists the queues); cologne_lta_fixity left out by --site ccat',
    );
    expect(queues.output()).not.toMatch(/bound ccat_buffer_deletion/);
  });

  it('keeps a heartbeat listing its queues, shows in `ccat-dt services`, and on SIGTERM exits 0 and removes it', async () => {
    const ns = namespace();
    const worker = await start(['--site', 'ccat'], env(ns));
    const expected = await ccatQueues();
    await waitForBound(worker, expected);

    const name = `worker-ccat-${hostname()}-${worker.child.pid}`;
    const key = heartbeatKey(ns.env.REDIS_KEY_PREFIX, 'worker', name);
    const readBeat = async () => {
      const raw = await ns.redis.get(key);
      return raw ? (JSON.parse(raw) as Heartbeat) : null;
    };
    const first = (await waitFor('a heartbeat listing the bound queues', async () => {
      const beat = await readBeat();
      return beat && JSON.stringify(beat.serves) === JSON.stringify(expected) ? beat : null;
    })) as Heartbeat;
    expect(first).toMatchObject({ type: 'worker', name, pid: worker.child.pid, host: hostname() });
    const ttl = await ns.redis.pttl(key);
    // Written with its TTL at the last beat, at most an interval (500 ms, and some slack) ago.
    expect(ttl).toBeGreaterThan(HEARTBEAT_TTL_MS - 1500);
    expect(ttl).toBeLessThanOrEqual(HEARTBEAT_TTL_MS);
    expect(await ns.redis.keys(`${ns.env.REDIS_KEY_PREFIX}health:*`)).toEqual([key]);
    // It is refreshed (HEARTBEAT_INTERVAL 500 ms), not just written once.
    await waitFor('a later beat', async () => (await readBeat())?.beatAt !== first.beatAt, 3000);
    expect(await ns.redis.pttl(key)).toBeGreaterThan(HEARTBEAT_TTL_MS - 1500);

    const out = cli(['services'], { ...ns.env, DATABASE_URL: db.url });
    expect(out).toContain(name);
    for (const q of expected) expect(out).toContain(q);

    const stopping = Date.now();
    const code = await worker.stop('SIGTERM');
    const took = Date.now() - stopping;
    expect(took).toBeLessThan(SHUTDOWN_TIMEOUT_MS + 3000);
    expect(await ns.redis.exists(key)).toBe(0);
    for (const q of expected) expect(worker.output()).toContain(`unbound ${q}: the process is stopping`);
    // A clean stop is exit code 0, not death by the signal (what a supervisor would count as a failure).
    expect({ code, signal: worker.child.signalCode }).toEqual({ code: 0, signal: null });
  });

  it('starts without PostgreSQL, stays up and unhealthy, and connects and binds on its own once it is reachable', async () => {
    const ns = namespace();
    const port = await freePort();
    const worker = await start(
      ['--site', 'ccat'],
      env(ns, { DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/${db.name}` }),
    );
    const started = Date.now();
    const expected = await ccatQueues();

    const down = await waitFor('/health to answer', async () => worker.health());
    expect(down.status).toBe(503);
    expect(down.body.details?.database?.status).toBe('down');
    await sleep(Math.max(0, 3000 - (Date.now() - started)));
    expect(worker.child.exitCode).toBeNull();
    const stillDown = await worker.health();
    expect(stillDown.status).toBe(503);
    expect(stillDown.body.details?.database?.status).toBe('down');
    // Without its database it cannot check a token, so /health shows statuses only: the queues say it.
    expect(await queue(ns, queueName('ccat', 'buffer', OperationType.MONITORING)).getWorkersCount()).toBe(0);
    expect(worker.output()).toMatch(/database unreachable/);

    proxies.push(await tcpProxy(port, Number(new URL(db.url).port || 5432), new URL(db.url).hostname));
    // Connector back-off is 1 s, 2 s, 4 s, 8 s, ...: the attempt after the proxy is up is at most ~8 s away.
    await waitForBound(worker, expected, 15_000);
    const up = await worker.health();
    expect(up.body.details?.database?.status).toBe('up');
    const monitoring = queue(ns, queueName('ccat', 'buffer', OperationType.MONITORING));
    const [{ id }] = await ds.query(
      `SELECT l.id FROM data_location l JOIN site s ON s.id = l.site_id WHERE s.short_name = 'ccat' AND l.name = 'buffer'`,
    );
    await waitConsumed(await monitoringJob(monitoring, id, 'after-db-outage'));
    expect(worker.child.exitCode).toBeNull();

    // The database goes away again while the worker runs: it lets go of its queues instead of taking
    // jobs that would only fail, and binds them again once the database is back.
    await proxies.pop()!.close();
    await waitFor(
      'the worker to release its queues',
      () => /releasing 12 queues until the database is back/.test(worker.output()),
      12_000,
    );
    const held = await monitoringJob(monitoring, id, 'during-second-outage');
    await sleep(NOT_CONSUMED_MS);
    expect(await held.getState()).toBe('waiting');
    proxies.push(await tcpProxy(port, Number(new URL(db.url).port || 5432), new URL(db.url).hostname));
    await waitConsumed(held, 15_000);
    expect(worker.output()).toMatch(/database reachable again/);
  }, 60_000);

  it('starts without Redis, stays up and reports Redis down, and heartbeats and consumes once it is reachable', async () => {
    const ns = namespace();
    const port = await freePort();
    const redisUrl = new URL(REDIS_URL);
    const worker = await start(['--site', 'ccat'], env(ns, { REDIS_URL: `redis://127.0.0.1:${port}` }));
    const started = Date.now();

    const down = await waitFor('/health to answer', async () => worker.health());
    expect(down.status).toBe(503);
    expect(down.body.details?.redis?.status).toBe('down');
    await sleep(Math.max(0, 2000 - (Date.now() - started)));
    expect(worker.child.exitCode).toBeNull();
    expect((await worker.health()).body.details?.redis?.status).toBe('down');

    proxies.push(await tcpProxy(port, Number(redisUrl.port || 6379), redisUrl.hostname));
    const key = heartbeatKey(
      ns.env.REDIS_KEY_PREFIX,
      'worker',
      `worker-ccat-${hostname()}-${worker.child.pid}`,
    );
    await waitFor(
      'the heartbeat once Redis is reachable',
      async () => (await ns.redis.exists(key)) === 1,
      10_000,
    );
    await waitFor(
      '/health to report Redis up',
      async () => (await worker.health()).body.details?.redis?.status === 'up',
    );
    const monitoring = queue(ns, queueName('ccat', 'buffer', OperationType.MONITORING));
    const [{ id }] = await ds.query(
      `SELECT l.id FROM data_location l JOIN site s ON s.id = l.site_id WHERE s.short_name = 'ccat' AND l.name = 'buffer'`,
    );
    await waitConsumed(await monitoringJob(monitoring, id, 'after-redis-outage'), 10_000);
  }, 30_000);
});
