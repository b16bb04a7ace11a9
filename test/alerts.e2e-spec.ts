import { ConfigService } from '@nestjs/config';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, Server } from 'node:http';
import { DataSource } from 'typeorm';
import { typeOrmOptions } from '../src/database/typeorm-options';
import { AlertConditions } from '../src/operations/alerts/alert-conditions';
import { AlertManager, AlertNotification } from '../src/operations/alerts/alert.manager';
import { ReplicationSwitchService } from '../src/pipeline/archive/replication-switch.service';
import { DeletionSwitchService } from '../src/pipeline/deletion/deletion-switch.service';
import { ExplainService } from '../src/operations/explain/explain.service';
import { heartbeatKey } from '../src/engine/heartbeats/heartbeat';
import { StatusService } from '../src/operations/status/status.service';
import { QueueCoverageService } from '../src/engine/queues/queue-coverage';
import { QueueDiscoveryService } from '../src/engine/queues/queue-discovery.service';
import { StorageService } from '../src/engine/storage/storage.service';
import { applyDemoTopology, redisNamespace, RedisNamespace } from './support/processes';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { insertObsUnit, insertRawDataFile } from './support/factories';

/**
 * Alerts against real PostgreSQL and Redis, delivered to a real HTTP webhook: each condition once, again
 * only after it cleared and came back; a failed delivery is tried again.
 */
describe('alerts (PostgreSQL, Redis, a webhook)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let ns: RedisNamespace;
  let dataRoot: string;
  let server: Server;
  let answer = 200;
  const received: AlertNotification[] = [];
  let manager: AlertManager;
  let status: StatusService;
  let explainer: ExplainService;
  let storage: StorageService;

  beforeAll(async () => {
    db = await createTestDatabase();
    ({ dataRoot } = applyDemoTopology(db.url));
    ds = await new DataSource(typeOrmOptions(db.url)).initialize();
    ns = redisNamespace();
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        if (answer === 200) received.push(JSON.parse(body));
        res.statusCode = answer;
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const config = new ConfigService({
      ...ns.env,
      SAFE_DEADLINE: 86_400_000,
      DELETION_MIN_LTA_SITES: 2,
      // Served or not is alerted at once here; the wait is the last test's.
      QUEUE_UNSERVED_ALERT_AFTER: 0,
      ALERT_WEBHOOK_URL: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`,
    }) as never;
    storage = new StorageService(new ConfigService({}));
    const sw = new DeletionSwitchService(ds);
    status = new StatusService(
      ds,
      ns.redis,
      config,
      sw,
      new ReplicationSwitchService(ds, config),
      new QueueCoverageService(new QueueDiscoveryService(ds), ns.redis, config),
    );
    explainer = new ExplainService(ds, config, storage, sw);
    const conditions = new AlertConditions(ds, config, status, explainer, storage);
    manager = new AlertManager(ds, conditions, config);
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await ds.destroy();
    await db.drop();
    await ns.cleanup();
    rmSync(dataRoot, { recursive: true, force: true });
  });

  const keys = () => received.map((n) => n.key).sort();
  /** A live worker's heartbeat, as a worker writes it: its name and the queues it has bound. */
  const beat = (name: string, serves: string[]) =>
    ns.redis.set(
      heartbeatKey(ns.env.REDIS_KEY_PREFIX, 'worker', name),
      JSON.stringify({ type: 'worker', name, serves }),
      'PX',
      60_000,
    );
  const queuesOf = async (site: string) =>
    (await new QueueDiscoveryService(ds).discoverAll()).filter((q) => q.site === site).map((q) => q.name);
  /** A worker per site serving every queue of its active locations. */
  const liveWorkers = async (...sites: string[]) => {
    for (const site of sites) await beat(`worker-${site}`, await queuesOf(site));
  };

  it('sends each condition once, retries a failed delivery, and re-sends only a condition that came back', async () => {
    await liveWorkers('ccat', 'cologne'); // the US has no worker
    // A file registered 25 hours ago and never packaged.
    const unit = await insertObsUnit(ds, { obsUnit: 'late_field', finished: false });
    await insertRawDataFile(ds, {
      unit,
      path: 'primecam/late/scan.fits',
      size: 10,
      sha256: 'a'.repeat(64),
      createdAt: new Date(Date.now() - 25 * 3_600_000),
    });
    // A transfer that failed for good (bundle and transfer rows as they stand after it: no factory makes
    // a failed transfer).
    const [dtp] = await ds.query(
      `INSERT INTO data_transfer_package (name, relative_path, origin_location_id, status, size, sha256, package_count)
       SELECT 'b1', 'transfer/b1.tar', id, 'completed', 1, repeat('a', 64), 1 FROM data_location WHERE name = 'buffer' LIMIT 1 RETURNING id`,
    );
    const [failed] = await ds.query(
      `INSERT INTO data_transfer (data_transfer_package_id, origin_location_id, destination_location_id, method, status, failure_reason)
       SELECT $1, o.id, d.id, 'http', 'failed', 'cologne/buffer answered 403' FROM data_location o, data_location d
        WHERE o.name = 'buffer' AND d.name = 'buffer_secondary' LIMIT 1 RETURNING id`,
      [dtp.id],
    );

    // The webhook is down at first: nothing counts as told.
    answer = 503;
    expect(await manager.runCycle()).toMatchObject({ holding: 3, notified: 0 });
    answer = 200;
    expect(await manager.runCycle()).toMatchObject({ holding: 3, notified: 3 });
    expect(await manager.runCycle()).toMatchObject({ holding: 3, notified: 0 });
    expect(keys()).toEqual([`failed:transfer:${failed.id}`, 'file_not_safe', 'no_worker:us']);
    const late = received.find((n) => n.key === 'file_not_safe')!;
    expect(late).toMatchObject({
      source: 'ccat-data-transfer',
      version: 1,
      status: 'firing',
      kind: 'file_not_safe',
      severity: 'critical',
      details: { files: 1, oldestPath: 'primecam/late/scan.fits' },
    });
    expect(late.message).toMatch(
      /^1 file\(s\) not safe within 24 h; the oldest, primecam\/late\/scan\.fits: Waiting for obs unit late_field to finish|Waiting to be packaged/,
    );
    expect(received.find((n) => n.kind === 'failed')!.message).toBe(
      `transfer ${failed.id} failed for good: cologne/buffer answered 403 (ccat-dt reset transfer ${failed.id} once the cause is fixed)`,
    );

    // The US worker comes up and the transfer is reset: both resolve. The transfer fails again: told again.
    await liveWorkers('us');
    await ds.query(`UPDATE data_transfer SET status = 'pending' WHERE id = $1`, [failed.id]);
    expect(await manager.runCycle()).toMatchObject({ holding: 1, notified: 0, resolved: 2 });
    await ds.query(`UPDATE data_transfer SET status = 'failed' WHERE id = $1`, [failed.id]);
    expect(await manager.runCycle()).toMatchObject({ holding: 2, notified: 1 });
    expect(received.filter((n) => n.key === `failed:transfer:${failed.id}`)).toHaveLength(2);
    expect(received.filter((n) => n.key === 'no_worker:us')).toHaveLength(1);
  });

  it('warns of a disk over its threshold', async () => {
    // The test disk is more than 1 % full.
    mkdirSync(join(dataRoot, 'cologne', 'buffer_secondary'), { recursive: true });
    await ds.query(
      `UPDATE data_location SET disk_usage_threshold_percent = 1 WHERE name = 'buffer_secondary'`,
    );
    await manager.runCycle();
    const disk = received.find((n) => n.kind === 'disk_over_threshold')!;
    expect(disk).toMatchObject({
      severity: 'warning',
      details: { location: 'cologne/buffer_secondary', threshold: 1 },
    });
    expect(disk.message).toMatch(
      /^cologne\/buffer_secondary is \d+\.\d% full, over its threshold of 1%: it takes no new data$/,
    );
  });

  it('alerts a stage whose open work at a site has not moved, and nothing of it completed, for STALL_ALERT_AFTER', async () => {
    const [{ id: buffer }] = await ds.query(
      `SELECT l.id FROM data_location l JOIN site s ON s.id = l.site_id WHERE s.short_name = 'cologne' AND l.name = 'buffer'`,
    );
    const bundle = (name: string, status: string, age: string) =>
      ds.query(
        `INSERT INTO data_transfer_package (name, relative_path, origin_location_id, status, size, sha256, package_count,
                                           created_at, updated_at)
         VALUES ($1, $1, $2, $3, 1, $4, 1, now() - $5::interval, now() - $5::interval)`,
        [name, buffer, status, 'a'.repeat(64), age],
      );
    // Open work that moved recently, or a stage that completed something recently, is not stalled.
    await bundle('moving', 'scheduled', '5 minutes');
    await manager.runCycle();
    expect(received.filter((n) => n.kind === 'pipeline_stalled')).toEqual([]);

    await ds.query(
      `UPDATE data_transfer_package SET updated_at = now() - interval '2 hours' WHERE name = 'moving'`,
    );
    await bundle('waiting', 'pending', '3 hours');
    await manager.runCycle();
    const stalled = received.filter((n) => n.kind === 'pipeline_stalled');
    expect(stalled).toHaveLength(1);
    expect(stalled[0]).toMatchObject({
      key: 'pipeline_stalled:bundle:cologne',
      severity: 'critical',
      details: { stage: 'bundle', site: 'cologne', open: 2 },
    });
    expect(stalled[0].message).toMatch(
      /^bundle work at cologne has stalled: 2 waiting or running, none of it moved and none completed for 30 min/,
    );

    // One completes: the stage moves again, and the condition clears.
    await ds.query(
      `UPDATE data_transfer_package SET status = 'completed', updated_at = now() WHERE name = 'moving'`,
    );
    await manager.runCycle();
    const [alert] = await ds.query(
      `SELECT resolved_at FROM alert WHERE key = 'pipeline_stalled:bundle:cologne'`,
    );
    expect(alert.resolved_at).toBeInstanceOf(Date);
  });

  it('warns of a SOURCE or BUFFER disk that reaches its threshold within DISK_FULL_ALERT_HORIZON at its recent rate', async () => {
    const locationId = async (site: string, name: string): Promise<number> =>
      (
        await ds.query(
          `SELECT l.id FROM data_location l JOIN site s ON s.id = l.site_id WHERE s.short_name = $1 AND l.name = $2`,
          [site, name],
        )
      )[0].id;
    const TB = 1e12;
    // Seven measurements over the last three hours: us/buffer from 50% to 60% (3.3% an hour, its 90%
    // threshold in about 9 h), the telescope computer flat at 40%.
    const samples = async (id: number, percentAt: (hoursAgo: number) => number) => {
      for (let i = 0; i <= 6; i++) {
        const hoursAgo = 3 - i / 2;
        await ds.query(
          `INSERT INTO location_usage_sample (location_id, measured_at, used_bytes, total_bytes)
           VALUES ($1, now() - make_interval(secs => $2::float8), $3, $4)`,
          [id, hoursAgo * 3600, Math.round((percentAt(hoursAgo) / 100) * TB), TB],
        );
      }
    };
    const filling = await locationId('us', 'buffer');
    await ds.query(`UPDATE data_location SET disk_usage_threshold_percent = 90 WHERE id = $1`, [filling]);
    await samples(filling, (h) => 60 - (10 * h) / 3);
    await samples(await locationId('ccat', 'telescope_computer'), () => 40);
    await manager.runCycle();
    const full = received.filter((n) => n.kind === 'disk_full_soon');
    expect(full).toHaveLength(1);
    expect(full[0]).toMatchObject({
      key: `disk_full_soon:${filling}`,
      severity: 'warning',
      details: { location: 'us/buffer', thresholdPercent: 90 },
    });
    expect(full[0].message).toMatch(
      /^us\/buffer is 60\.0% full and filling at 33\.33 GB\/h: at its threshold of 90% in about 9\.0 h/,
    );
  });

  it('alerts a queue no live worker serves, and a site without any as one alert, once that lasted QUEUE_UNSERVED_ALERT_AFTER', async () => {
    // A managers process that has just started (nothing seen yet), waiting 1.5 s instead of 5 min.
    const wait = 1500;
    const conditions = new AlertConditions(
      ds,
      new ConfigService({ ...ns.env, QUEUE_UNSERVED_ALERT_AFTER: wait }) as never,
      status,
      explainer,
      storage,
    );
    const gaps = async () =>
      (await conditions.current())
        .filter((c) => c.kind === 'no_worker' || c.kind === 'queue_unserved')
        .map((c) => c.key)
        .sort();
    await ns.redis.del(...(await ns.redis.keys(`${ns.env.REDIS_KEY_PREFIX}health:*`)));
    // ccat fully served; at cologne a deletions-only worker is missing; the US has no worker at all.
    await liveWorkers('ccat');
    const cologne = await queuesOf('cologne');
    const deletions = cologne.filter((q) => q.endsWith('_deletion'));
    await beat(
      'worker-cologne',
      cologne.filter((q) => !deletions.includes(q)),
    );
    const someDeletions = deletions.filter((q) => q !== 'cologne_buffer_deletion');
    await beat('worker-cologne-deletion', someDeletions);
    // The third buffer is inactive (the demo's buffer_backup): not served, and not expected to be.
    expect(cologne.some((q) => q.startsWith('cologne_buffer_backup_'))).toBe(false);

    // Freshly started: nothing yet, though the status already shows both gaps.
    expect(await gaps()).toEqual([]);
    expect((await status.servingGaps()).sitesWithoutWorker).toEqual(['us']);
    await new Promise((r) => setTimeout(r, wait + 200));
    expect(await gaps()).toEqual(['no_worker:us', 'queue_unserved:cologne_buffer_deletion']);
    const [queue] = (await conditions.current()).filter((c) => c.kind === 'queue_unserved');
    expect(queue).toMatchObject({
      severity: 'critical',
      details: {
        queue: 'cologne_buffer_deletion',
        site: 'cologne',
        location: 'buffer',
        operation: 'deletion',
      },
    });
    expect(queue.message).toMatch(
      /^no live worker serves the queue cologne_buffer_deletion \(deletion at cologne\/buffer\)/,
    );

    // Served again: cleared at once. Unserved again: the wait starts again.
    await beat('worker-cologne-deletion', deletions);
    await liveWorkers('us');
    expect(await gaps()).toEqual([]);
    await beat('worker-cologne-deletion', someDeletions);
    expect(await gaps()).toEqual([]);
  });
});
