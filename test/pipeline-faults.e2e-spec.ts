import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { Client } from 'pg';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { TokenScope } from '../src/engine/auth/api-token.entity';
import { ROOT } from '../scripts/lib/processes';
import { createToken, obsUnitStart } from './support/factories';
import { tarMembers } from './support/tar';
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
    // The pull's progress shows while it runs: in the row (once a checkpoint is taken; a loaded machine
    // takes longer to get there, so the test waits for it rather than for a fixed time)...
    await waitFor(
      'the pull to checkpoint some bytes',
      async () => {
        const [progress] = await h.db.query(
          `SELECT bytes_transferred::float8 AS bytes, status FROM data_transfer WHERE id = $1`,
          [pulling.id],
        );
        if (progress.status !== 'in_progress')
          throw new Error(`the pull ended (${progress.status}) before a checkpoint was seen`);
        return progress.bytes > 0;
      },
      30_000,
    );
    // ... and in the explanation of the file.
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
    const scheduled = await waitFor(
      'the transfers of the new units to be scheduled',
      async () => {
        const rows = await transfersOf();
        return rows.length > 0 && rows.every((t) => t.status === 'scheduled') ? rows : null;
      },
      30_000,
    );
    // Each scheduled transfer's job is (at least) one key of what goes.
    expect(await h.ns.flush()).toBeGreaterThanOrEqual(scheduled.length);
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
    const lost = new Set(scheduled.map((t) => t.id));
    expect(transfers.filter((t) => lost.has(t.id) && t.retry_count < 1)).toEqual([]);
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
  it('heals a package tar that rotted at the ccat buffer before bundling, with no operator: both archives get good bytes, the other package is not held back', async () => {
    // Bundling is held (no bundle row can be written) until one of the two packages has rotted.
    const lock = new Client({ connectionString: h.api.db.url });
    await lock.connect();
    await lock.query('BEGIN');
    await lock.query('LOCK TABLE data_transfer_package IN SHARE ROW EXCLUSIVE MODE');
    let unit = '';
    try {
      unit = await h.observe('primecam', ['pcam_280', 'pcam_350'], 6, 200_000);
      const packed = await waitFor(
        'both packages at the ccat buffer',
        async () => {
          const rows: { id: string; path: string; module: string }[] = await h.db.query(
            `SELECT p.id, c.relative_path AS path, m.name AS module FROM raw_data_package p
               JOIN instrument_module m ON m.id = p.instrument_module_id
               JOIN physical_copy c ON c.raw_data_package_id = p.id AND c.status = 'present'
              WHERE p.executed_obs_unit_id = $1 ORDER BY m.name`,
            [unit],
          );
          return rows.length === 2 ? rows : null;
        },
        30_000,
      );
      const tar = join(h.dataRoot, 'ccat', 'buffer', packed[0].path);
      const bytes = readFileSync(tar);
      bytes[700] ^= 0x01;
      writeFileSync(tar, bytes);
    } finally {
      await lock.query('COMMIT');
      await lock.end();
    }
    const corrupted = Date.now();
    const packages = await waitFor(
      'both packages archived at both sites',
      async () => {
        const rows: { id: string; module: string; state: string; sites: number; bundle: string }[] =
          await h.db.query(
            `SELECT p.id, m.name AS module, p.state, p.lta_site_count AS sites, p.data_transfer_package_id AS bundle
               FROM raw_data_package p JOIN instrument_module m ON m.id = p.instrument_module_id
              WHERE p.executed_obs_unit_id = $1 ORDER BY m.name`,
            [unit],
          );
        expect(await h.failures()).toEqual([]);
        return rows.every((r) => r.state === 'archived' && r.sites === 2) ? rows : null;
      },
      90_000,
    );
    console.log(
      `healed: both archives hold good bytes ${((Date.now() - corrupted) / 1000).toFixed(1)} s after the corruption`,
    );
    // The rotten copy is LOST, found by bundling; the new one was packed again from the source files.
    const trail: { to: string; actor: string; reason: string }[] = await h.db.query(
      `SELECT e.to_status AS to, e.actor, e.reason FROM physical_copy_event e
         JOIN physical_copy c ON c.id = e.physical_copy_id
         JOIN data_location l ON l.id = c.location_id JOIN site s ON s.id = l.site_id
        WHERE c.raw_data_package_id = $1 AND s.short_name = 'ccat' ORDER BY e.id`,
      [packages[0].id],
    );
    expect(trail.find((e) => e.to === 'lost')).toMatchObject({ actor: 'bundling' });
    expect(trail.find((e) => /^packed again from its source files/.test(e.reason))).toBeTruthy();
    // The good package went in the bundle written when the hold ended, not with its healed neighbour.
    expect(packages[1].bundle).not.toBe(packages[0].bundle);
    // Every archived tar is the bytes recorded for it.
    const archived = await h.db.query(
      `SELECT s.short_name AS site, c.relative_path, c.sha256 FROM physical_copy c
         JOIN data_location l ON l.id = c.location_id JOIN site s ON s.id = l.site_id
        WHERE l.location_type = 'long_term_archive' AND c.raw_data_package_id = ANY($1::uuid[])`,
      [packages.map((p) => p.id)],
    );
    expect(archived).toHaveLength(4);
    for (const a of archived)
      expect(sha256(await h.getObject(BUCKETS[a.site], `archive/${a.relative_path}`))).toBe(a.sha256);
  }, 150_000);
  it('fetches again only the member that rotted inside a bundle at its destination before the unpack: the other member is kept, the bundle is not sent again', async () => {
    // Every unpack is held at its claim, before it reads its bundle, while the bundle travels; bundling is
    // held until both packages are at the ccat buffer, so that they travel in one bundle.
    const unpacking = await holdClaims(h, 'data_transfer', 'unpack_status');
    const bundling = await hold(h, 'data_transfer_package', 'SHARE ROW EXCLUSIVE');
    let unit = '';
    let bundle = '';
    let firstSite = '';
    try {
      unit = await h.observe('primecam', ['pcam_280', 'pcam_350'], 6, 200_000);
      await waitFor('both packages at the ccat buffer', () => packagesAt(h, unit, 'ccat'), 30_000);
      await bundling.release();
      // The bundle goes to one archive site first; the other gets it from there once it is unpacked.
      const first = await waitFor(
        'the bundle to arrive at its first archive site',
        async () => {
          const [row] = await h.db.query(
            `SELECT DISTINCT s.short_name AS site, d.relative_path AS path, d.id AS bundle FROM data_transfer t
               JOIN data_transfer_package d ON d.id = t.data_transfer_package_id
               JOIN raw_data_package p ON p.data_transfer_package_id = d.id
               JOIN data_location l ON l.id = t.destination_location_id JOIN site s ON s.id = l.site_id
              WHERE p.executed_obs_unit_id = $1 AND t.status = 'completed'`,
            [unit],
          );
          return row as { site: string; path: string; bundle: string } | undefined;
        },
        60_000,
      );
      bundle = first.bundle;
      firstSite = first.site;
      // A byte of the first member's content flips in it (512 is past the member's header).
      flipByte(join(h.dataRoot, first.site, 'buffer', first.path), 512 + 700);
    } finally {
      await bundling.release();
      await unpacking.release();
    }
    const corrupted = Date.now();
    await unitArchivedAtBothSites(h, unit, 90_000);
    console.log(
      `member re-fetched: both archives hold good bytes ${((Date.now() - corrupted) / 1000).toFixed(1)} s after the corruption`,
    );
    // At the first site, the first package (in tar order) came again on its own, over the data port, and
    // the other was kept from the bundle; the bundle copy there, found rotten, was written again from those
    // two before the other site was sent it; every transfer ran once.
    const copies: { site: string; path: string; reason: string }[] = await h.db.query(
      `SELECT s.short_name AS site, c.relative_path AS path, e.reason FROM physical_copy c
         JOIN physical_copy_event e ON e.physical_copy_id = c.id AND e.to_status = 'present'
         JOIN data_location l ON l.id = c.location_id AND l.location_type = 'buffer'
         JOIN site s ON s.id = l.site_id
         JOIN raw_data_package p ON p.id = c.raw_data_package_id
        WHERE p.executed_obs_unit_id = $1 AND s.short_name <> 'ccat' ORDER BY 1, 2`,
      [unit],
    );
    expect(copies).toHaveLength(4);
    const [refetched, kept] = copies.filter((c) => c.site === firstSite);
    expect(refetched.reason).toMatch(
      /^fetched again on its own from buffer, every file verified: its member in .* was bad/,
    );
    expect(kept.reason).toMatch(/^unpacked from /);
    expect(copies.filter((c) => c.site !== firstSite).map((c) => c.reason)).toEqual([
      expect.stringMatching(/^unpacked from /),
      expect.stringMatching(/^unpacked from /),
    ]);
    const bundleTrail: { to: string; actor: string; reason: string }[] = await h.db.query(
      `SELECT e.to_status AS to, e.actor, e.reason FROM physical_copy_event e
         JOIN physical_copy c ON c.id = e.physical_copy_id
         JOIN data_location l ON l.id = c.location_id JOIN site s ON s.id = l.site_id
        WHERE c.data_transfer_package_id = $1 AND s.short_name = $2 ORDER BY e.id`,
      [bundle, firstSite],
    );
    expect(bundleTrail.find((e) => e.to === 'lost')).toMatchObject({ actor: 'unpack' });
    expect(
      bundleTrail.find((e) => /^written again from its 2 package tars at buffer/.test(e.reason)),
    ).toBeTruthy();
    const transfers = await h.db.query(
      `SELECT retry_count, unpack_status FROM data_transfer WHERE data_transfer_package_id = $1`,
      [bundle],
    );
    expect(transfers).toEqual([
      { retry_count: 0, unpack_status: 'completed' },
      { retry_count: 0, unpack_status: 'completed' },
    ]);
  }, 150_000);

  it('writes a bundle again at its origin when a transfer finds it rotted there: the origin confirms it, the copy is LOST, the bundle is rebuilt identical, the transfer goes on', async () => {
    // No transfer starts until the bundle at the ccat buffer has rotted.
    const transferring = await holdClaims(h, 'data_transfer', 'status');
    let unit = '';
    let bundle: { id: string; path: string } | undefined;
    try {
      unit = await h.observe('chai', ['hfa'], 3, 200_000);
      bundle = await waitFor(
        'the bundle written at the ccat buffer and its transfer planned',
        async () => {
          const [row] = await h.db.query(
            `SELECT DISTINCT d.id, d.relative_path AS path FROM data_transfer_package d
               JOIN raw_data_package p ON p.data_transfer_package_id = d.id
               JOIN data_transfer t ON t.data_transfer_package_id = d.id
              WHERE p.executed_obs_unit_id = $1 AND d.status = 'completed'`,
            [unit],
          );
          return row as { id: string; path: string } | undefined;
        },
        60_000,
      );
      flipByte(join(h.dataRoot, 'ccat', 'buffer', bundle.path), 512 + 700);
    } finally {
      await transferring.release();
    }
    const corrupted = Date.now();
    await unitArchivedAtBothSites(h, unit, 150_000);
    console.log(
      `bundle rebuilt at its origin: both archives hold good bytes ${((Date.now() - corrupted) / 1000).toFixed(1)} s after the corruption`,
    );
    const trail: { to: string; actor: string; reason: string }[] = await h.db.query(
      `SELECT e.to_status AS to, e.actor, e.reason FROM physical_copy_event e
         JOIN physical_copy c ON c.id = e.physical_copy_id
         JOIN data_location l ON l.id = c.location_id JOIN site s ON s.id = l.site_id
        WHERE c.data_transfer_package_id = $1 AND s.short_name = 'ccat' ORDER BY e.id`,
      [bundle!.id],
    );
    expect(trail.find((e) => e.to === 'lost')).toMatchObject({
      actor: 'transfer',
      reason: expect.stringMatching(/confirmed at ccat\/buffer/),
    });
    expect(
      trail.find((e) => /^written again from its \d+ package tars at buffer/.test(e.reason)),
    ).toBeTruthy();
  }, 210_000);

  it('heals a package tar that rotted at a destination buffer before its archive upload: the upload finds it, the copy is LOST and replaced, the archive gets good bytes', async () => {
    // No archive upload is planned until one package tar at Cologne's buffer has rotted.
    const archiving = await hold(h, 'long_term_archive_transfer', 'SHARE ROW EXCLUSIVE');
    let unit = '';
    let rotten: { id: string; path: string } | undefined;
    try {
      unit = await h.observe('chai', ['lfa'], 3, 200_000);
      const [unpacked] = await waitFor(
        'the package unpacked at Cologne',
        () => packagesAt(h, unit, 'cologne'),
        60_000,
      );
      rotten = unpacked;
      flipByte(join(h.dataRoot, 'cologne', 'buffer', unpacked.path), 700);
    } finally {
      await archiving.release();
    }
    const corrupted = Date.now();
    await waitFor(
      'the package archived at both sites',
      async () => {
        expect(await h.failures()).toEqual([]);
        const [p] = await h.db.query(
          `SELECT state, lta_site_count AS sites FROM raw_data_package WHERE id = $1`,
          [rotten!.id],
        );
        return p.state === 'archived' && p.sites === 2;
      },
      120_000,
    );
    console.log(
      `archive upload healed: both archives hold good bytes ${((Date.now() - corrupted) / 1000).toFixed(1)} s after the corruption`,
    );
    const trail: { to: string; actor: string; reason: string }[] = await h.db.query(
      `SELECT e.to_status AS to, e.actor, e.reason FROM physical_copy_event e
         JOIN physical_copy c ON c.id = e.physical_copy_id
         JOIN data_location l ON l.id = c.location_id JOIN site s ON s.id = l.site_id
        WHERE c.raw_data_package_id = $1 AND s.short_name = 'cologne' AND l.location_type = 'buffer' ORDER BY e.id`,
      [rotten!.id],
    );
    expect(trail.find((e) => e.to === 'lost')).toMatchObject({ actor: 'archive upload' });
    expect(trail.find((e) => /^re-replicated from /.test(e.reason))).toBeTruthy();
    const [archived] = await h.db.query(
      `SELECT c.relative_path, c.sha256 FROM physical_copy c JOIN data_location l ON l.id = c.location_id
         JOIN site s ON s.id = l.site_id
        WHERE c.raw_data_package_id = $1 AND l.location_type = 'long_term_archive' AND s.short_name = 'cologne'`,
      [rotten!.id],
    );
    expect(sha256(await h.getObject(BUCKETS.cologne, `archive/${archived.relative_path}`))).toBe(
      archived.sha256,
    );
  }, 180_000);

  it('gives a file that changed at its source a way out: withdraw lets the rest of its package go, accept archives it as it now is; both audited', async () => {
    const http = request(h.api.app.getHttpServer());
    const auth = { Authorization: `Bearer ${h.token}` };
    const unit = obsUnitStart({ instrument: 'primecam', obsUnit: 'changed_at_source' });
    await http.post('/executed-obs-units/start').set(auth).send(unit).expect(201);
    const files = ['pcam_280', 'pcam_280', 'pcam_350', 'pcam_350'].map((module, i) => ({
      module,
      path: `primecam/${unit.id}/${module}/scan_${i}.fits`,
      bytes: randomBytes(3000 + i),
    }));
    const registrations = files.map((f) => ({
      ...h.writeSourceFile(f.path, f.bytes),
      id: crypto.randomUUID(),
      site: 'ccat',
      location: 'telescope_computer',
      executedObsUnitId: unit.id,
      instrumentModule: f.module,
    }));
    // After registering, one file of each module is written again by the instrument, with other bytes.
    const changed = (i: number) => {
      const bytes = randomBytes(4000 + i);
      writeFileSync(join(h.dataRoot, 'ccat', 'telescope_computer', files[i].path), bytes);
      return bytes;
    };
    await http.post('/raw-data-files/bulk').set(auth).send({ files: registrations }).expect(200);
    const accepted = changed(0);
    changed(2);
    await http
      .put(`/executed-obs-units/${unit.id}/finish`)
      .set(auth)
      .send({ outcome: 'success' })
      .expect(200);
    const packagesOf = () =>
      h.db.query(
        `SELECT p.id, m.name AS module, p.status, p.state, p.lta_site_count AS sites, p.file_count AS files, p.failure_reason AS reason
           FROM raw_data_package p JOIN instrument_module m ON m.id = p.instrument_module_id
          WHERE p.executed_obs_unit_id = $1 ORDER BY m.name`,
        [unit.id],
      ) as Promise<
        {
          id: string;
          module: string;
          status: string;
          state: string;
          sites: number;
          files: number;
          reason: string;
        }[]
      >;
    const failed = await waitFor(
      'both packages to fail on the changed files',
      async () => {
        const rows = await packagesOf();
        return rows.length === 2 && rows.every((r) => r.status === 'failed') ? rows : null;
      },
      30_000,
    );
    expect(failed[0].reason).toMatch(/scan_0\.fits changed on .* since its registration/);

    // withdraw, through GraphQL (admin); accept, through the built CLI (where the source is reachable).
    const admin = await createToken(h.db, [TokenScope.ADMIN], 'file-operator');
    const withdraw = await http
      .post('/graphql')
      .set({ Authorization: `Bearer ${admin}` })
      .send({
        query: `mutation($f: String!) { withdrawFile(file: $f, reason: "overwritten by the instrument") { action package { outcome } } }`,
        variables: { f: files[2].path },
      })
      .expect(200);
    expect(withdraw.body.data.withdrawFile).toEqual({
      action: 'withdrawn',
      package: { outcome: 'its packaging was reset: it is packed again' },
    });
    const cli = await promisify(execFile)(
      process.execPath,
      [
        join(ROOT, 'bin', 'ccat-dt.js'),
        'file',
        'accept',
        files[0].path,
        '--reason',
        'the rewrite is the real data',
      ],
      { env: { ...process.env, ...h.env() }, encoding: 'utf8' },
    );
    expect(cli.stdout).toMatch(
      new RegExp(`accepted: registered as ${accepted.length} bytes, sha256 ${sha256(accepted)}`),
    );
    expect(cli.stdout).toMatch(/its packaging was reset: it is packed again/);

    const archived = await waitFor(
      'both packages archived at both sites',
      async () => {
        const rows = await packagesOf();
        return rows.every((r) => r.state === 'archived' && r.sites === 2) ? rows : null;
      },
      90_000,
    );
    expect(archived.map((r) => r.files)).toEqual([2, 1]);
    // The accepted bytes are what the archive holds for that file.
    const [tar] = await h.db.query(`SELECT relative_path FROM raw_data_package WHERE id = $1`, [
      archived[0].id,
    ]);
    const members = await tarMembers(await h.getObject(BUCKETS.cologne, `archive/${tar.relative_path}`));
    expect(members.get(files[0].path)).toBe(sha256(accepted));
    // Both actions in the trail, with the registration before.
    const events = await h.db.query(
      `SELECT e.action, e.actor, e.old_sha256, e.new_sha256 FROM raw_data_file_event e
         JOIN raw_data_file f ON f.id = e.raw_data_file_id WHERE f.executed_obs_unit_id = $1 ORDER BY e.id`,
      [unit.id],
    );
    expect(events).toEqual([
      {
        action: 'withdrawn',
        actor: 'token:file-operator',
        old_sha256: registrations[2].sha256,
        new_sha256: null,
      },
      {
        action: 'accepted',
        actor: expect.stringMatching(/^cli:/),
        old_sha256: registrations[0].sha256,
        new_sha256: sha256(accepted),
      },
    ]);
    // The withdrawn file is left alone: still at the source once the rest of its unit is safe and deleted there.
    await waitFor(
      'the source copies of the archived files to be deleted',
      async () => {
        const [{ left }] = await h.db.query(
          `SELECT count(*)::int AS left FROM physical_copy c JOIN raw_data_file f ON f.id = c.raw_data_file_id
            WHERE f.executed_obs_unit_id = $1 AND f.withdrawn_at IS NULL AND c.status NOT IN ('deleted', 'lost')`,
          [unit.id],
        );
        return left === 0;
      },
      60_000,
    );
    const [withdrawn] = await h.db.query(
      `SELECT c.status FROM physical_copy c JOIN raw_data_file f ON f.id = c.raw_data_file_id WHERE f.relative_path = $1`,
      [files[2].path],
    );
    // (Its copy may be LOST: the sources' fixity audit may have found it changed. Never deleted, either way.)
    expect(['present', 'lost']).toContain(withdrawn.status);
    // Had the audit found the changed files (and failed to repair them: no good copy), those repairs close.
    await waitFor(
      'no repair of these files left open or failed',
      async () => {
        const [{ open }] = await h.db.query(
          `SELECT count(*)::int AS open FROM copy_repair r JOIN physical_copy c ON c.id = r.lost_copy_id
             JOIN raw_data_file f ON f.id = c.raw_data_file_id
            WHERE f.executed_obs_unit_id = $1 AND r.status <> 'completed'`,
          [unit.id],
        );
        return open === 0;
      },
      30_000,
    );
    expect(statSync(join(h.dataRoot, 'ccat', 'telescope_computer', files[2].path)).isFile()).toBe(true);
    const why = await http.get(`/raw-data-files/${registrations[2].id}/explain`).set(auth).expect(200);
    expect(why.body).toMatchObject({ stage: 'withdrawn', safe: false });
    expect(why.body.verdict).toMatch(
      /^Withdrawn by token:file-operator on .*: overwritten by the instrument\. /,
    );
  }, 150_000);
});

interface Hold {
  release(): Promise<void>;
}

/** Holds a lock on `table` in its own transaction until released (released twice is fine). */
async function hold(h: PipelineHarness, table: string, mode: string): Promise<Hold> {
  const lock = new Client({ connectionString: h.api.db.url });
  await lock.connect();
  await lock.query('BEGIN');
  await lock.query(`LOCK TABLE ${table} IN ${mode} MODE`);
  let open = true;
  return {
    release: async () => {
      if (!open) return;
      open = false;
      await lock.query('COMMIT');
      await lock.end();
    },
  };
}

/**
 * Holds every claim of `table`'s work (the update of its `column` to in_progress) until released: a trigger
 * waits for an advisory lock this session keeps. Everything else goes on.
 */
async function holdClaims(h: PipelineHarness, table: string, column: string): Promise<Hold> {
  const lock = new Client({ connectionString: h.api.db.url });
  await lock.connect();
  await lock.query(`SELECT pg_advisory_lock(4242)`);
  await lock.query(`CREATE OR REPLACE FUNCTION test_hold_claim() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN PERFORM pg_advisory_xact_lock_shared(4242); RETURN NEW; END $$`);
  await lock.query(`CREATE TRIGGER test_hold_claim BEFORE UPDATE OF ${column} ON ${table} FOR EACH ROW
    WHEN (NEW.${column} = 'in_progress') EXECUTE FUNCTION test_hold_claim()`);
  let open = true;
  return {
    release: async () => {
      if (!open) return;
      open = false;
      // Unlocked first: the drop waits for every update the trigger holds.
      await lock.query(`SELECT pg_advisory_unlock(4242)`);
      await lock.query(`DROP TRIGGER test_hold_claim ON ${table}`);
      await lock.end();
    },
  };
}

/** The unit's packages with a PRESENT copy at `site`'s buffer, by package, once there are as many as packages. */
async function packagesAt(
  h: PipelineHarness,
  unit: string,
  site: string,
): Promise<{ id: string; path: string }[] | null> {
  const rows: { id: string; path: string }[] = await h.db.query(
    `SELECT p.id, c.relative_path AS path FROM raw_data_package p
       JOIN physical_copy c ON c.raw_data_package_id = p.id AND c.status = 'present'
       JOIN data_location l ON l.id = c.location_id AND l.location_type = 'buffer'
       JOIN site s ON s.id = l.site_id AND s.short_name = $2
      WHERE p.executed_obs_unit_id = $1 ORDER BY c.relative_path`,
    [unit, site],
  );
  const [{ n }] = await h.db.query(
    `SELECT count(*)::int AS n FROM raw_data_package WHERE executed_obs_unit_id = $1`,
    [unit],
  );
  return rows.length > 0 && rows.length === n ? rows : null;
}

/** Flips one bit of the byte at `at` in `file`: what a rotting disk does. */
function flipByte(file: string, at: number): void {
  const bytes = readFileSync(file);
  bytes[at] ^= 0x01;
  writeFileSync(file, bytes);
}

/** Waits until every package of `unit` is ARCHIVED and safe at both archive sites; a failure anywhere stops it. */
async function unitArchivedAtBothSites(h: PipelineHarness, unit: string, timeoutMs: number): Promise<void> {
  await waitFor(
    "the unit's packages archived at both sites",
    async () => {
      expect(await h.failures()).toEqual([]);
      const rows: { state: string; sites: number }[] = await h.db.query(
        `SELECT state, lta_site_count AS sites FROM raw_data_package WHERE executed_obs_unit_id = $1`,
        [unit],
      );
      return rows.length > 0 && rows.every((r) => r.state === 'archived' && r.sites === 2);
    },
    timeoutMs,
  );
}
