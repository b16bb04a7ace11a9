import { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { redisOptionsFromUrl } from '../src/engine/redis/redis-options';
import { typeOrmOptions } from '../src/database/typeorm-options';
import { OperationType } from '../src/engine/queues/operation-type';
import { jobId } from '../src/engine/queues/queue-name';
import {
  applyDemoTopology,
  redisNamespace,
  RedisNamespace,
  RunningProcess,
  startWorker,
  waitFor,
} from './support/processes';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { insertObsUnit, insertRawDataPackage } from './support/factories';

const QUEUE = 'ccat_telescope_computer_raw_data_package_creation';

describe('a worker stopping with a job in flight (real processes)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let ns: RedisNamespace;
  let queue: Queue;
  const running: RunningProcess[] = [];

  const env = () => ({
    DATABASE_URL: db.url,
    ...ns.env,
    WORKER_SHUTDOWN_TIMEOUT: '1s',
    WORKER_DISCOVERY_INTERVAL: '1s',
  });

  beforeAll(async () => {
    db = await createTestDatabase();
    applyDemoTopology(db.url);
    ds = await new DataSource(typeOrmOptions(db.url)).initialize();
    ns = redisNamespace();
    queue = new Queue(QUEUE, {
      connection: redisOptionsFromUrl(ns.env.REDIS_URL),
      prefix: ns.env.QUEUE_PREFIX,
    });
  });

  afterAll(async () => {
    await Promise.all(running.map((p) => p.stop('SIGKILL')));
    await queue.close();
    await ds.destroy();
    await db.drop();
    await ns.cleanup();
  });

  it('hands the job back to the queue within the shutdown timeout, exits 0, and another worker finishes it', async () => {
    const unit = await insertObsUnit(ds, { obsUnit: 'stop' });
    const { id, sourceLocationId: location } = await insertRawDataPackage(ds, unit, {
      name: 'stop',
      relativePath: 'stop.tar',
    });
    const first = await startWorker(['--site', 'ccat'], env());
    running.push(first);
    await waitFor('the first worker to bind', async () => (await first.health()).body.status === 'ok');

    // Hold the package row: the packaging job blocks on it, and so is in flight when the worker is stopped.
    const hold = ds.createQueryRunner();
    await hold.connect();
    await hold.startTransaction();
    await hold.query(`SELECT 1 FROM raw_data_package WHERE id = $1 FOR UPDATE`, [id]);
    try {
      const payload = {
        operation: OperationType.RAW_DATA_PACKAGE_CREATION,
        entityId: id,
        locationId: location,
        attempt: 0,
      };
      const job = await queue.add(payload.operation, payload, {
        jobId: jobId(payload.operation, id, 0),
        attempts: 3,
      });
      await waitFor('the job to be running', async () => (await job.getState()) === 'active');

      const stoppedAt = Date.now();
      const code = await first.stop('SIGTERM');
      const tookMs = Date.now() - stoppedAt;
      if (code !== 0)
        console.log(
          first
            .output()
            .split('\n')
            .map((l) => l.slice(0, 300))
            .filter((l) => !l.includes('dependencies initialized'))
            .join('\n'),
        );
      expect(code).toBe(0);
      expect(tookMs).toBeLessThan(1000 + 4000);
      expect(first.output()).toMatch(/1 running job\(s\) handed back to the queue/);
      const back = await queue.getJob(job.id!);
      expect(await back!.getState()).toBe('waiting');
      expect(back!.attemptsMade).toBe(0);
    } finally {
      await hold.rollbackTransaction();
      await hold.release();
    }

    const second = await startWorker(['--site', 'ccat'], env());
    running.push(second);
    const claimedBy = await waitFor('the second worker to claim the package', async () => {
      const [row] = await ds.query(`SELECT status, claimed_by FROM raw_data_package WHERE id = $1`, [id]);
      return row.status !== 'scheduled' && row.claimed_by?.endsWith(`-${second.child.pid}`)
        ? (row.claimed_by as string)
        : null;
    });
    expect(claimedBy).toMatch(new RegExp(`-${second.child.pid}$`));
  });
});
