import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { BUCKETS, PipelineHarness, sha256 } from './support/pipeline-harness';
import { waitFor } from './support/processes';

/**
 * Faults with real processes: a worker SIGKILLed in the middle of an http pull, and a Redis that loses
 * every key while transfer jobs wait in it; both end with every file archived at both sites.
 */
describe('the pipeline under faults: a killed puller, a Redis that lost everything (real processes)', () => {
  let h: PipelineHarness;

  beforeAll(async () => {
    h = await PipelineHarness.start();
  }, 60_000);
  afterAll(() => h?.stop());

  it('resumes an http transfer whose pulling worker is killed mid-stream, with no duplicate copy and nothing PRESENT that is not there', async () => {
    // The archive sites pull at 16 MiB/s, so that a 40 MiB bundle is still on its way when its puller dies.
    const slow = { TRANSFER_BANDWIDTH_LIMIT: '16MiB' };
    for (const site of ['cologne', 'us']) {
      await h.workers.get(site)!.stop('SIGKILL');
      await h.startWorker(site, slow);
    }
    const unit = await h.observe('chai', ['lfa'], 1, 1);
    const big = randomBytes(40 * 1024 * 1024);
    const path = await h.registerLateFile(unit, 'lfa', big);
    const pulling = await waitFor(
      'the large bundle to be pulled',
      async () => {
        const [row] = await h.db.query(
          `SELECT t.id, s.short_name AS site FROM data_transfer t JOIN data_transfer_package d ON d.id = t.data_transfer_package_id
             JOIN data_location l ON l.id = t.destination_location_id JOIN site s ON s.id = l.site_id
            WHERE t.status = 'in_progress' AND d.size > 40000000`,
        );
        return row as { id: string; site: string } | undefined;
      },
      60_000,
    );
    await new Promise((r) => setTimeout(r, 1200)); // well into the pull, with a checkpoint taken
    // The pull's progress shows while it runs: in the row, and in the explanation of the file.
    const [progress] = await h.db.query(
      `SELECT bytes_transferred::float8 AS bytes FROM data_transfer WHERE id = $1`,
      [pulling.id],
    );
    expect(progress.bytes).toBeGreaterThan(0);
    const [{ id: bigFile }] = await h.db.query(`SELECT id FROM raw_data_file WHERE relative_path = $1`, [
      path,
    ]);
    const why = await request(h.api.app.getHttpServer())
      .get(`/raw-data-files/${bigFile}/explain`)
      .set({ Authorization: `Bearer ${h.token}` })
      .expect(200);
    expect(why.body.verdict).toMatch(
      /^In transfer from ccat\/buffer to \w+\/buffer over http: [1-9]\d* of \d+ bytes \(in_progress\)\.$/,
    );
    await h.workers.get(pulling.site)!.stop('SIGKILL');
    const [cut] = await h.db.query(`SELECT status FROM data_transfer WHERE id = $1`, [pulling.id]);
    expect(cut.status).toBe('in_progress');
    const restarted = await h.startWorker(pulling.site, slow);
    await h.waitUntilSafe(path, 'the bundle to be archived at both sites after the kill', 90_000);
    // The new worker went on from the bytes the killed one had checkpointed.
    expect(restarted.output()).toMatch(/already held from an earlier attempt/);
    const [{ duplicates }] = await h.db.query(
      `SELECT count(*)::int AS duplicates FROM (SELECT coalesce(raw_data_file_id, raw_data_package_id, data_transfer_package_id), location_id
         FROM physical_copy WHERE status <> 'deleted' GROUP BY 1, 2 HAVING count(*) > 1) d`,
    );
    expect(duplicates).toBe(0);
    // Every PRESENT copy on a disk is there, with its recorded size.
    const onDisk: { site: string; location: string; path: string; size: string }[] = await h.db.query(
      `SELECT s.short_name AS site, l.name AS location, c.relative_path AS path, c.size FROM physical_copy c
         JOIN data_location l ON l.id = c.location_id JOIN site s ON s.id = l.site_id
        WHERE c.status = 'present' AND l.storage_type = 'disk'`,
    );
    for (const c of onDisk)
      expect(statSync(join(h.dataRoot, c.site, c.location, c.path)).size).toBe(Number(c.size));
  }, 150_000);

  it('re-runs an unpack whose worker is killed in the middle of it, recording each copy once', async () => {
    const unit = await h.observe('chai', ['hfa'], 1, 1);
    const path = await h.registerLateFile(unit, 'hfa', randomBytes(200 * 1024 * 1024), 'huge.fits');
    const unpacking = await waitFor(
      'the large bundle to be unpacked',
      async () => {
        const [row] = await h.db.query(
          `SELECT t.id, s.short_name AS site, t.destination_location_id AS destination FROM data_transfer t
             JOIN data_transfer_package d ON d.id = t.data_transfer_package_id
             JOIN data_location l ON l.id = t.destination_location_id JOIN site s ON s.id = l.site_id
            WHERE t.unpack_status = 'in_progress' AND d.size > 200000000`,
        );
        return row as { id: string; site: string; destination: number } | undefined;
      },
      90_000,
    );
    await h.workers.get(unpacking.site)!.stop('SIGKILL');
    // Killed mid-unpack: the unpack is still in progress, and no package copy is recorded there yet.
    const [cut] = await h.db.query(`SELECT unpack_status FROM data_transfer WHERE id = $1`, [unpacking.id]);
    expect(cut.unpack_status).toBe('in_progress');
    const [{ recorded }] = await h.db.query(
      `SELECT count(*)::int AS recorded FROM physical_copy c JOIN raw_data_file f ON f.raw_data_package_id = c.raw_data_package_id
        WHERE f.relative_path = $1 AND c.location_id = $2`,
      [path, unpacking.destination],
    );
    expect(recorded).toBe(0);
    await h.startWorker(unpacking.site);
    await h.waitUntilSafe(path, 'the huge file to be archived at both sites after the kill', 120_000);
    const copies = await h.db.query(
      `SELECT c.location_id, count(*)::int AS n FROM physical_copy c JOIN raw_data_file f ON f.raw_data_package_id = c.raw_data_package_id
        WHERE f.relative_path = $1 GROUP BY 1`,
      [path],
    );
    expect(copies.every((c: { n: number }) => c.n === 1)).toBe(true);
  }, 240_000);

  it('loses every key in Redis mid-run (a FLUSHALL, for our processes) and still archives every file at both sites', async () => {
    // The archive sites' workers are away, so the transfer jobs wait in Redis when it loses everything.
    await Promise.all(['cologne', 'us'].map((site) => h.workers.get(site)!.stop('SIGKILL')));
    const units = [
      await h.observe('primecam', ['pcam_280', 'pcam_350'], 10, 300_000),
      await h.observe('chai', ['lfa', 'hfa'], 10, 300_000),
    ];
    const packagesOf = () =>
      h.db.query(
        `SELECT p.state, p.lta_site_count, p.failure_reason FROM raw_data_package p WHERE p.executed_obs_unit_id = ANY($1)`,
        [units],
      ) as Promise<{ state: string; lta_site_count: number; failure_reason: string | null }[]>;
    const transfersOf = () =>
      h.db.query(
        `SELECT DISTINCT t.id, t.status, t.retry_count, t.failure_reason FROM data_transfer t
           JOIN raw_data_package p ON p.data_transfer_package_id = t.data_transfer_package_id
          WHERE p.executed_obs_unit_id = ANY($1)`,
        [units],
      ) as Promise<{ id: string; status: string; retry_count: number; failure_reason: string | null }[]>;
    await waitFor(
      'the transfers of the new units to be scheduled',
      async () => {
        const rows = await transfersOf();
        return rows.length > 0 && rows.every((t) => t.status === 'scheduled');
      },
      30_000,
    );
    expect(await h.ns.flush()).toBeGreaterThan(0);
    for (const site of ['cologne', 'us']) await h.startWorker(site);
    const done = await waitFor(
      'every package of the new units to be archived at both sites after the flush',
      async () => {
        const rows = await packagesOf();
        const failed = rows.filter((r) => r.failure_reason);
        if (failed.length) throw new Error(`failed: ${JSON.stringify(failed)}`);
        return rows.length === 4 && rows.every((r) => r.state === 'archived' && r.lta_site_count === 2)
          ? rows
          : null;
      },
      90_000,
    );
    expect(done).toHaveLength(4);
    // Their jobs were lost with Redis; recovery found them and scheduled them again, as a new try.
    const transfers = await transfersOf();
    expect(transfers.every((t) => t.status === 'completed')).toBe(true);
    expect(transfers.filter((t) => t.retry_count > 0).length).toBeGreaterThan(0);
    // No package copy recorded twice anywhere, and every archive copy's bytes are there.
    const [{ duplicates }] = await h.db.query(
      `SELECT count(*)::int AS duplicates FROM (SELECT raw_data_package_id, location_id FROM physical_copy
         WHERE kind = 'raw_data_package' AND status <> 'deleted' GROUP BY 1, 2 HAVING count(*) > 1) d`,
    );
    expect(duplicates).toBe(0);
    const archived = await h.db.query(
      `SELECT s.short_name AS site, c.relative_path, c.sha256 FROM physical_copy c
         JOIN data_location l ON l.id = c.location_id JOIN site s ON s.id = l.site_id
         JOIN raw_data_package p ON p.id = c.raw_data_package_id
        WHERE l.location_type = 'long_term_archive' AND p.executed_obs_unit_id = ANY($1)`,
      [units],
    );
    expect(archived).toHaveLength(8);
    for (const a of archived)
      expect(sha256(await h.getObject(BUCKETS[a.site], `archive/${a.relative_path}`))).toBe(a.sha256);
  }, 150_000);
});
