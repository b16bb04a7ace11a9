import { Queue } from 'bullmq';
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
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
import { insertObsUnit, insertRawDataFile, insertRawDataPackage } from './support/factories';

const QUEUE = 'ccat_telescope_computer_raw_data_package_creation';
const MiB = 1024 * 1024;

/** Writes `size` bytes of a repeating pattern in 1 MiB chunks and returns their SHA-256. */
async function writeFile(path: string, size: number, seed: number): Promise<string> {
  const block = Buffer.alloc(MiB, seed);
  const hash = createHash('sha256');
  const out = createWriteStream(path);
  for (let left = size; left > 0; left -= MiB) {
    const chunk = block.subarray(0, Math.min(MiB, left));
    hash.update(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return hash.digest('hex');
}

describe('a source worker killed while packaging (real processes, disk, PostgreSQL, Redis)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let ns: RedisNamespace;
  let dataRoot: string;
  let queue: Queue;
  const running: RunningProcess[] = [];
  const env = () => ({ DATABASE_URL: db.url, ...ns.env, JOB_LOCK_DURATION: '2s', CCAT_DATA_ROOT: dataRoot });

  beforeAll(async () => {
    db = await createTestDatabase();
    ({ dataRoot } = applyDemoTopology(db.url));
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
    rmSync(dataRoot, { recursive: true, force: true });
  });

  it('leaves no PRESENT copy of a half-written tar, and another worker finishes the package once', async () => {
    const unit = await insertObsUnit(ds, { obsUnit: 'crash' });
    const { id, sourceLocationId: source } = await insertRawDataPackage(ds, unit, {
      name: 'crash',
      relativePath: `primecam/${unit}/crash.tar`,
    });
    const dir = join(dataRoot, 'ccat', 'telescope_computer', 'crash');
    mkdirSync(dir, { recursive: true });
    for (let i = 0; i < 6; i++) {
      const path = `crash/scan_${i}.fits`;
      const sha256 = await writeFile(join(dataRoot, 'ccat', 'telescope_computer', path), 64 * MiB, i + 1);
      await insertRawDataFile(ds, { unit, path, size: 64 * MiB, sha256, packageId: id });
    }
    const bufferDir = join(dataRoot, 'ccat', 'buffer', 'primecam', unit);
    const parts = () =>
      existsSync(bufferDir) ? readdirSync(bufferDir).filter((f) => f.endsWith('.part')) : [];

    const first = await startWorker(['--site', 'ccat'], env());
    running.push(first);
    const payload = {
      operation: OperationType.RAW_DATA_PACKAGE_CREATION,
      entityId: id,
      locationId: source,
      attempt: 0,
    };
    await queue.add(payload.operation, payload, { jobId: jobId(payload.operation, id, 0), attempts: 3 });
    await waitFor('the tar to be half written', () => parts().length > 0, 20_000);
    await first.stop('SIGKILL');

    const copies = async () =>
      (await ds.query(`SELECT status FROM physical_copy WHERE raw_data_package_id = $1`, [id])) as {
        status: string;
      }[];
    expect(await copies()).toEqual([]);
    const [half] = await ds.query(`SELECT status, sha256 FROM raw_data_package WHERE id = $1`, [id]);
    expect(half).toEqual({ status: 'in_progress', sha256: null });
    expect(existsSync(join(bufferDir, 'crash.tar'))).toBe(false);

    const second = await startWorker(['--site', 'ccat'], env());
    running.push(second);
    const done = await waitFor(
      'the package to be completed by the second worker',
      async () => {
        const [row] = await ds.query(
          `SELECT status, sha256, size, claimed_by FROM raw_data_package WHERE id = $1`,
          [id],
        );
        return row.status === 'completed' ? row : null;
      },
      30_000,
    );
    expect(done.claimed_by).toMatch(new RegExp(`-${second.child.pid}$`));
    expect(await copies()).toEqual([{ status: 'present' }]);
    const tar = readFileSync(join(bufferDir, 'crash.tar'));
    expect(createHash('sha256').update(tar).digest('hex')).toBe(done.sha256);
    expect(tar.length).toBe(Number(done.size));
    // What the killed worker left is gone once the target was written whole.
    expect(parts()).toEqual([]);
  }, 90_000);
});
