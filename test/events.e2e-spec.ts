import { ConfigService } from '@nestjs/config';
import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { Environment } from '../src/config/environment';
import { TokenScope } from '../src/engine/auth/api-token.entity';
import { EventRelayManager } from '../src/operations/events/event-relay.manager';
import { FileEvent } from '../src/operations/events/file-event';
import { recordFileEvent } from '../src/operations/events/record-file-event';
import { WORK_KINDS } from '../src/operations/recovery/work-kinds';
import { EventConsumer } from './support/event-consumer';
import { createToken } from './support/factories';
import { PipelineHarness } from './support/pipeline-harness';
import { cli, waitFor } from './support/processes';

interface FileRow {
  id: string;
  path: string;
  size: number;
  sha256: string;
}

/**
 * Events for downstream processing, with real processes: a consumer group on the stream `ccat:events`
 * (under the test's key prefix) hears of every file archived at each archive site, staged, or failed,
 * once the database has committed it, and of nothing that was rolled back or lost while Redis was down.
 */
describe('file events on the Redis Stream (real processes, PostgreSQL, Redis, s3rver)', () => {
  let h: PipelineHarness;
  let consumer: EventConsumer;

  const filesOf = (units: string[]): Promise<FileRow[]> =>
    h.db.query(
      `SELECT id, relative_path AS path, size::float8 AS size, sha256 FROM raw_data_file
        WHERE executed_obs_unit_id = ANY($1) ORDER BY relative_path`,
      [units],
    );
  const outboxRows = async (): Promise<number> =>
    (await h.db.query(`SELECT count(*)::int AS n FROM event_outbox`))[0].n;
  /** Polls the consumer until `done` holds for what it has read (failing early on failed work if asked). */
  const readUntil = (what: string, done: (c: EventConsumer) => boolean, stopOnFailure = true, ms = 90_000) =>
    waitFor(
      what,
      async () => {
        if (stopOnFailure) {
          const failed = await h.failures();
          if (failed.length) throw new Error(`failed: ${JSON.stringify(failed)}`);
        }
        await consumer.poll();
        return done(consumer);
      },
      ms,
    );

  beforeAll(async () => {
    h = await PipelineHarness.start();
    // The group exists before anything happens: it must get every event of the run.
    consumer = await EventConsumer.create(h.ns.redis, h.ns.env.REDIS_KEY_PREFIX, 'downstream');
  }, 60_000);
  afterAll(() => h?.stop());

  it('publishes file.archived for every file of a run at both archive sites, with its size and SHA-256', async () => {
    const units = [
      await h.observe('primecam', ['pcam_280', 'pcam_350'], 10, 100_000),
      await h.observe('chai', ['lfa'], 4, 50_000),
    ];
    const files = await filesOf(units);
    expect(files).toHaveLength(14);
    await readUntil(
      'file.archived for every file at both archive sites',
      (c) => c.all('file.archived').length >= files.length * 2,
    );
    const archived = consumer.all('file.archived');
    expect(archived).toHaveLength(28);
    const bySite = new Map<string, FileEvent[]>();
    for (const e of archived) bySite.set(e.data.site, [...(bySite.get(e.data.site) ?? []), e]);
    expect([...bySite.keys()].sort()).toEqual(['cologne', 'us']);
    for (const [site, events] of bySite) {
      // One event per file per archive site, each saying what the instrument registered.
      expect(events.map((e) => e.data.fileId).sort()).toEqual(files.map((f) => f.id).sort());
      for (const e of events) {
        const file = files.find((f) => f.id === e.data.fileId)!;
        expect(e.data).toMatchObject({
          path: file.path,
          size: file.size,
          sha256: file.sha256,
          location: 'lta',
        });
        expect(units).toContain(e.data.obsUnitId);
        expect(e.data.module).toBe(file.path.split('/')[2]);
        // Published only once the archive copy is recorded PRESENT there.
        const [copy] = await h.db.query(
          `SELECT c.status FROM physical_copy c JOIN data_location l ON l.id = c.location_id JOIN site s ON s.id = l.site_id
            WHERE c.raw_data_package_id = $1 AND s.short_name = $2 AND l.location_type = 'long_term_archive'`,
          [e.data.packageId, site],
        );
        expect(copy?.status).toBe('present');
      }
    }
    // Everything read was acknowledged, and the outbox empties once the entries are in Redis.
    expect(await consumer.pending()).toBe(0);
    await waitFor('the outbox to be empty', async () => (await outboxRows()) === 0);
  }, 120_000);

  it('publishes file.staged for every file a staging job brings to a processing location', async () => {
    const admin = await createToken(h.db, [TokenScope.ADMIN]);
    const job = await request(h.api.app.getHttpServer())
      .post('/staging-jobs')
      .set({ Authorization: `Bearer ${admin}` })
      .send({ location: 'cologne_ramses_processing', obsUnit: 'field_0' })
      .expect(201);
    const [{ id: unit }] = await h.db.query(`SELECT id FROM executed_obs_unit WHERE obs_unit = 'field_0'`);
    const files = await filesOf([unit]);
    const stagedForJob = (c: EventConsumer) =>
      c.all('file.staged').filter((e) => e.data.stagingJobId === job.body.id);
    await readUntil('file.staged for every file of the job', (c) => stagedForJob(c).length >= files.length);
    const staged = stagedForJob(consumer);
    expect(staged.map((e) => e.data.fileId).sort()).toEqual(files.map((f) => f.id).sort());
    for (const e of staged) {
      expect(e.data).toMatchObject({ site: 'cologne', location: 'ramses_processing' });
      expect(e.data.sha256).toBe(files.find((f) => f.id === e.data.fileId)!.sha256);
    }
    const [row] = await h.db.query(`SELECT status FROM staging_job WHERE id = $1`, [job.body.id]);
    expect(row.status).toBe('completed');
  }, 120_000);

  it('publishes file.failed for every file of a package that failed for good, and no file.archived for them', async () => {
    // The telescope's worker is away while a file is changed on the instrument disk after its registration.
    await h.workers.get('ccat')!.stop('SIGKILL');
    const unit = await h.observe('chai', ['hfa'], 3, 10_000);
    const files = await filesOf([unit]);
    const tampered = join(h.dataRoot, 'ccat', 'telescope_computer', files[0].path);
    writeFileSync(tampered, randomBytes(statSync(tampered).size));
    await h.startWorker('ccat');
    const failedFor = (c: EventConsumer) =>
      c.all('file.failed').filter((e) => files.some((f) => f.id === e.data.fileId));
    await readUntil('file.failed for the files of the package', (c) => failedFor(c).length >= 3, false);
    const failed = failedFor(consumer);
    expect(failed).toHaveLength(3);
    const [pkg] = await h.db.query(
      `SELECT p.id, p.status, p.failure_reason AS reason FROM raw_data_package p WHERE p.executed_obs_unit_id = $1`,
      [unit],
    );
    expect(pkg.status).toBe('failed');
    for (const e of failed)
      expect(e.data).toMatchObject({
        operation: 'package',
        workId: pkg.id,
        reason: pkg.reason,
        packageId: pkg.id,
        site: 'ccat',
        location: 'telescope_computer',
      });
    expect(consumer.all('file.archived').filter((e) => e.data.packageId === pkg.id)).toHaveLength(0);
  }, 90_000);

  it('publishes file.archived for a package archived over a DIRECT route, straight from the ccat buffer', async () => {
    cli(['route', 'add', 'direct', '--from', 'ccat', '--to', 'us'], { DATABASE_URL: h.api.db.url });
    const files = await filesOf([await h.observe('primecam', ['pcam_280'], 5, 50_000)]);
    const archivedOf = (c: EventConsumer) =>
      c.all('file.archived').filter((e) => files.some((f) => f.id === e.data.fileId));
    // (The package failed on purpose above stays failed: no stopping at failures here.)
    await readUntil('file.archived at both sites for the new unit', (c) => archivedOf(c).length >= 10, false);
    const events = archivedOf(consumer);
    expect(events).toHaveLength(10);
    for (const site of ['cologne', 'us'])
      expect(
        events
          .filter((e) => e.data.site === site)
          .map((e) => e.data.fileId)
          .sort(),
      ).toEqual(files.map((f) => f.id).sort());
    const [upload] = await h.db.query(
      `SELECT os.short_name || '/' || o.name AS origin FROM long_term_archive_transfer t
         JOIN data_location o ON o.id = t.origin_location_id JOIN site os ON os.id = o.site_id WHERE t.id = $1`,
      [events.find((e) => e.data.site === 'us')!.data.ltaTransferId],
    );
    expect(upload.origin).toBe('ccat/buffer');
  }, 120_000);

  it('records file.failed in the failing transaction for the files of every kind of work', async () => {
    // Each kind of work of the run above, failed by hand in a transaction that is then rolled back.
    const packagesOf: Record<string, string> = {
      package: `SELECT id FROM raw_data_package WHERE id = $1`,
      bundle: `SELECT id FROM raw_data_package WHERE data_transfer_package_id = $1`,
      transfer: `SELECT p.id FROM data_transfer t JOIN raw_data_package p ON p.data_transfer_package_id = t.data_transfer_package_id WHERE t.id = $1`,
      archive: `SELECT raw_data_package_id AS id FROM long_term_archive_transfer WHERE id = $1`,
      staging: `SELECT raw_data_package_id AS id FROM staging_job_package WHERE staging_job_id = $1`,
    };
    packagesOf.unpack = packagesOf.transfer;
    // How many packages each kind of work concerns: one, or every package its bundle or job holds.
    const countOf: Record<string, string> = {
      package: `SELECT 1 AS n WHERE $1::text IS NOT NULL`,
      archive: `SELECT 1 AS n WHERE $1::text IS NOT NULL`,
      bundle: `SELECT package_count AS n FROM data_transfer_package WHERE id = $1`,
      transfer: `SELECT d.package_count AS n FROM data_transfer t JOIN data_transfer_package d ON d.id = t.data_transfer_package_id WHERE t.id = $1`,
      staging: `SELECT count(*)::int AS n FROM staging_job_package WHERE staging_job_id = $1`,
    };
    countOf.unpack = countOf.transfer;
    const rollback = new Error('rolled back');
    await expect(
      h.db.transaction(async (tx) => {
        // A staging job's event concerns the packages it had not staged yet: here, all of them.
        await tx.query(`UPDATE staging_job_package SET staged_at = NULL`);
        // The work that moves a file's bytes; a failed repair or fixity check raises a copy_lost alert instead.
        for (const kind of WORK_KINDS.filter((k) => k.name in packagesOf)) {
          const [work] = await tx.query(
            `SELECT id, ${kind.locationColumn} AS location FROM ${kind.table} WHERE ${kind.statusColumn.sql} <> 'failed' LIMIT 1`,
          );
          await tx.query(
            `UPDATE ${kind.table} SET ${kind.statusColumn.sql} = 'failed', failure_reason = 'by hand' WHERE id = $1`,
            [work.id],
          );
          const outbox = await tx.query(
            `SELECT package_ids AS packages, location_id AS location, details FROM event_outbox
              WHERE type = 'file.failed' AND details->>'workId' = $1 AND details->>'operation' = $2`,
            [work.id, kind.name],
          );
          const expected = (await tx.query(packagesOf[kind.name], [work.id])).map(
            (p: { id: string }) => p.id,
          );
          const [{ n }] = await tx.query(countOf[kind.name], [work.id]);
          // (And never none: the comparison below would say nothing.)
          expect({ kind: kind.name, packages: expected.length, some: expected.length >= 1 }).toEqual({
            kind: kind.name,
            packages: n,
            some: true,
          });
          expect(outbox).toHaveLength(1);
          expect([...outbox[0].packages].sort()).toEqual(expected.sort());
          expect(outbox[0]).toMatchObject({ location: work.location, details: { reason: 'by hand' } });
        }
        throw rollback;
      }),
    ).rejects.toBe(rollback);
    const [left] = await h.db.query(
      `SELECT count(*)::int AS n FROM event_outbox WHERE details->>'reason' = 'by hand'`,
    );
    expect(left.n).toBe(0);
  }, 30_000);

  it('publishes nothing for a transaction that rolled back, and keeps events while Redis is down', async () => {
    const [pkg] = await h.db.query(`SELECT id FROM raw_data_package WHERE state = 'archived' LIMIT 1`);
    const [{ id: lta }] = await h.db.query(
      `SELECT l.id FROM data_location l JOIN site s ON s.id = l.site_id WHERE s.short_name = 'us' AND l.name = 'lta'`,
    );
    const record = (marker: string) => (tx: Parameters<typeof recordFileEvent>[0]) =>
      recordFileEvent(tx, {
        type: 'file.archived',
        packageIds: [pkg.id],
        locationId: lta,
        details: { marker },
      });
    const rollback = new Error('rolled back');
    await expect(
      h.db.transaction(async (tx) => {
        await record('rolled-back')(tx);
        // Work going FAILED writes its event by trigger, in the same transaction: gone with it too.
        await tx.query(`UPDATE raw_data_package SET status = 'failed' WHERE id = $1`, [pkg.id]);
        expect((await tx.query(`SELECT count(*)::int AS n FROM event_outbox`))[0].n).toBe(2);
        throw rollback;
      }),
    ).rejects.toBe(rollback);
    await h.db.transaction(record('committed'));
    // The relay publishes in commit order: once the later event is read, the earlier one would have been.
    await readUntil('the committed event', (c) => c.all().some((e) => e.data.marker === 'committed'), false);
    expect(consumer.all().filter((e) => e.data.marker === 'rolled-back')).toHaveLength(0);
    expect(consumer.all('file.failed').filter((e) => e.data.workId === pkg.id)).toHaveLength(0);

    // Redis down when the relay runs: the cycle fails and the event stays in the outbox for the next one.
    await waitFor('the outbox to be empty', async () => (await outboxRows()) === 0);
    await h.workers.get('managers')!.stop('SIGKILL');
    const settings: Partial<Environment> = {
      REDIS_KEY_PREFIX: h.ns.env.REDIS_KEY_PREFIX,
      EVENTS_STREAM_MAXLEN: 1_000_000,
    };
    const config = { get: (k: keyof Environment) => settings[k] } as unknown as ConfigService<
      Environment,
      true
    >;
    const down = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    down.on('error', () => undefined);
    await h.db.transaction(record('while-redis-down'));
    await expect(new EventRelayManager(h.db, down, config).runCycle()).rejects.toThrow();
    expect(await outboxRows()).toBe(1);
    down.disconnect();
    const files = (
      await h.db.query(`SELECT count(*)::int AS n FROM raw_data_file WHERE raw_data_package_id = $1`, [
        pkg.id,
      ])
    )[0].n;
    expect(await new EventRelayManager(h.db, h.ns.redis, config).runCycle()).toEqual({
      rows: 1,
      published: files,
    });
    expect(await outboxRows()).toBe(0);
    await consumer.poll();
    expect(consumer.all().filter((e) => e.data.marker === 'while-redis-down')).toHaveLength(files);
    await h.startWorker('managers');
  }, 60_000);
});
