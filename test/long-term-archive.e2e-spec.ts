import { CreateBucketCommand, DeleteObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { ConfigService } from '@nestjs/config';
import { randomBytes } from 'node:crypto';
import { existsSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { parseSidecar } from '../src/pipeline/archive/package-sidecar';
import { BUCKETS, PipelineHarness, sha256 } from './support/pipeline-harness';
import { cli, waitFor } from './support/processes';
import { tarMembers } from './support/tar';
import { validateEnvironment } from '../src/config/environment';
import { DeletionSwitchService } from '../src/pipeline/deletion/deletion-switch.service';
import { DeletionManager } from '../src/pipeline/deletion/deletion.manager';
import { PhysicalCopyService } from '../src/catalog/physical-copies/physical-copy.service';
import { TaskQueueService } from '../src/engine/queues/task-queue.service';
import { StorageService } from '../src/engine/storage/storage.service';

const TAPE_BUCKET = 'ccat-cologne-tape';

/** Stage 7's manager in this process, on the harness's database and queues, to drive cycles directly. */
function deletionManager(h: PipelineHarness): DeletionManager {
  // Validated as the apps do: an unvalidated ConfigService falls back to process.env's strings.
  const config = new ConfigService(validateEnvironment(h.env())) as never;
  const queues = new TaskQueueService(config);
  afterAllClose.push(() => queues.onApplicationShutdown());
  return new DeletionManager(
    h.db,
    queues,
    new PhysicalCopyService(h.db),
    new StorageService(new ConfigService({})),
    new DeletionSwitchService(h.db),
    config,
  );
}
const afterAllClose: (() => Promise<void>)[] = [];

/**
 * Stages 1 to 5 and 7 with real processes: the in-process API takes the registrations, and a worker per
 * site and a managers process (the built apps) move the bytes over http through the buffers into s3rver,
 * then free the instrument disk and the buffers by the deletion rules.
 */
describe('registration to verified copies in both archives, and the deletion that follows (real processes, PostgreSQL, Redis, s3rver)', () => {
  let h: PipelineHarness;

  beforeAll(async () => {
    h = await PipelineHarness.start();
  }, 60_000);
  afterAll(async () => {
    for (const close of afterAllClose) await close();
    await h?.stop();
  });

  describe('a night of 50 files over 4 obs units and 2 modules', () => {
    type Transfer = { dtp: string; origin_site: string; destination_site: string };
    let archived: Awaited<ReturnType<PipelineHarness['packages']>>;
    let transfers: Transfer[];

    // The night runs once; each test below reads what it left.
    beforeAll(async () => {
      await h.observe('primecam', ['pcam_280', 'pcam_350'], 13, 200_000);
      await h.observe('primecam', ['pcam_280', 'pcam_350'], 12, 200_000);
      await h.observe('chai', ['lfa', 'hfa'], 13, 200_000);
      await h.observe('chai', ['lfa', 'hfa'], 12, 2_000_000);
      expect(h.registered.size).toBe(50);

      archived = await waitFor(
        'every package to be archived',
        async () => {
          const rows = await h.packages();
          const failed = await h.db.query(
            `SELECT 'package' AS what, failure_reason FROM raw_data_package WHERE failure_reason IS NOT NULL
             UNION ALL SELECT 'transfer', failure_reason FROM data_transfer WHERE status = 'failed' OR unpack_status = 'failed'
             UNION ALL SELECT 'archive', failure_reason FROM long_term_archive_transfer WHERE status = 'failed'`,
          );
          if (failed.length) throw new Error(`failed: ${JSON.stringify(failed)}`);
          return rows.length === 8 && rows.every((p) => p.state === 'archived' && p.lta_site_count === 2)
            ? rows
            : null;
        },
        90_000,
      );

      transfers = await h.db.query(
        `SELECT t.data_transfer_package_id AS dtp, os.short_name AS origin_site, ds.short_name AS destination_site
             FROM data_transfer t
             JOIN data_location o ON o.id = t.origin_location_id JOIN site os ON os.id = o.site_id
             JOIN data_location d ON d.id = t.destination_location_id JOIN site ds ON ds.id = d.site_id`,
      );
    }, 100_000);

    it('archives every package at both archive sites; read back from both S3 archives, they hash to the registrations', async () => {
      const seen = new Map<string, number>();
      for (const p of archived) {
        const archiveCopies = await h.db.query(
          `SELECT s.short_name AS site, c.relative_path, c.sha256, c.status FROM physical_copy c
           JOIN data_location l ON l.id = c.location_id JOIN site s ON s.id = l.site_id
          WHERE c.raw_data_package_id = $1 AND l.location_type = 'long_term_archive' ORDER BY s.short_name`,
          [p.id],
        );
        expect(archiveCopies.map((c: { site: string }) => c.site)).toEqual(['cologne', 'us']);
        for (const copy of archiveCopies) {
          expect(copy).toMatchObject({ status: 'present', sha256: p.sha256 });
          const key = `archive/${p.relative_path}`;
          const tar = await h.getObject(BUCKETS[copy.site], key);
          expect(sha256(tar)).toBe(p.sha256);
          const sidecar = parseSidecar(await h.getObject(BUCKETS[copy.site], `${key}.json`));
          expect(sidecar.package).toMatchObject({ id: p.id, sha256: p.sha256 });
          expect(sidecar.archive).toEqual({ site: copy.site, location: 'lta' });
          for (const [path, digest] of await tarMembers(tar)) {
            expect(h.registered.get(path)?.sha256).toBe(digest);
            expect(sidecar.files.find((f) => f.path === path)?.sha256).toBe(digest);
            seen.set(path, (seen.get(path) ?? 0) + 1);
          }
          const [transfer] = await h.db.query(
            `SELECT t.status, t.sidecar_sha256 FROM long_term_archive_transfer t
           JOIN data_location l ON l.id = t.destination_location_id JOIN site s ON s.id = l.site_id
          WHERE t.raw_data_package_id = $1 AND s.short_name = $2`,
            [p.id, copy.site],
          );
          expect(transfer.status).toBe('completed');
          expect(transfer.sidecar_sha256).toBe(sha256(await h.getObject(BUCKETS[copy.site], `${key}.json`)));
        }
      }
      // Every file, read back from both archives.
      expect(seen.size).toBe(50);
      expect([...seen.values()].every((n) => n === 2)).toBe(true);
    });

    it("sends each bundle out of the observatory once, over http, and on to the second site from the first one's buffer", async () => {
      // Each bundle left the observatory once, and reached the second site from the first one's buffer,
      // every time pulled over http from the origin worker's data port.
      const methods = await h.db.query(`SELECT DISTINCT method FROM data_transfer`);
      expect(methods).toEqual([{ method: 'http' }]);
      for (const dtp of new Set(transfers.map((t) => t.dtp))) {
        const mine = transfers.filter((t) => t.dtp === dtp);
        expect(mine.filter((t) => t.origin_site === 'ccat')).toHaveLength(1);
        const first = mine.find((t) => t.origin_site === 'ccat')!.destination_site;
        expect(mine.filter((t) => t.origin_site !== 'ccat')).toEqual([
          { dtp, origin_site: first, destination_site: first === 'cologne' ? 'us' : 'cologne' },
        ]);
      }
    });

    it('deletes the bundles from every buffer, and only once no transfer read them any more', async () => {
      const deletions = await waitFor(
        'the bundles to be deleted from the buffers',
        async () => {
          const rows: { status: string; scheduled_at: Date; last_transfer_done: Date }[] = await h.db.query(
            `SELECT c.status,
                    (SELECT min(e.at) FROM physical_copy_event e WHERE e.physical_copy_id = c.id
                        AND e.to_status = 'deletion_scheduled') AS scheduled_at,
                    (SELECT max(t.updated_at) FROM data_transfer t WHERE t.data_transfer_package_id = c.data_transfer_package_id)
                      AS last_transfer_done
               FROM physical_copy c WHERE c.kind = 'data_transfer_package'`,
          );
          return rows.every((r) => r.status === 'deleted') ? rows : null;
        },
        30_000,
      );
      expect(deletions.length).toBe(new Set(transfers.map((t) => t.dtp)).size * 3);
      for (const d of deletions)
        expect(d.scheduled_at.getTime()).toBeGreaterThanOrEqual(d.last_transfer_done.getTime());
    });

    it('empties the instrument disk and the buffers only after both archives held the package verified; the archives keep everything', async () => {
      // Stage 7: the instrument disk and the buffers are emptied, and only after both archives held the
      // package verified (DELETION_MIN_LTA_SITES = 2).
      const sourceGone = await waitFor(
        'the source files and the buffer packages to be deleted',
        async () => {
          const rows: { kind: string; status: string; scheduled_at: Date; second_lta_copy_at: Date }[] =
            await h.db.query(
              `SELECT c.kind, c.status,
                    (SELECT min(e.at) FROM physical_copy_event e WHERE e.physical_copy_id = c.id
                        AND e.to_status = 'deletion_scheduled') AS scheduled_at,
                    (SELECT max(a.created_at) FROM physical_copy a JOIN data_location al ON al.id = a.location_id
                      WHERE al.location_type = 'long_term_archive' AND a.raw_data_package_id =
                            coalesce(c.raw_data_package_id, (SELECT f.raw_data_package_id FROM raw_data_file f WHERE f.id = c.raw_data_file_id)))
                      AS second_lta_copy_at
               FROM physical_copy c JOIN data_location l ON l.id = c.location_id
              WHERE l.location_type IN ('source', 'buffer') AND c.kind <> 'data_transfer_package'`,
            );
          return rows.every((r) => r.status === 'deleted') ? rows : null;
        },
        30_000,
      );
      expect(sourceGone.filter((r) => r.kind === 'raw_data_file')).toHaveLength(50);
      expect(sourceGone.filter((r) => r.kind === 'raw_data_package')).toHaveLength(8 * 3);
      for (const r of sourceGone)
        expect(r.scheduled_at.getTime()).toBeGreaterThanOrEqual(r.second_lta_copy_at.getTime());
      for (const path of h.registered.keys())
        expect(existsSync(join(h.dataRoot, 'ccat', 'telescope_computer', path))).toBe(false);
      // The archives keep everything.
      const [{ lta }] = await h.db.query(
        `SELECT count(*)::int AS lta FROM physical_copy c JOIN data_location l ON l.id = c.location_id
        WHERE l.location_type = 'long_term_archive' AND c.status = 'present'`,
      );
      expect(lta).toBe(16);
    });

    it('measures every location by the worker that serves it: disks by size, archives by our bytes', async () => {
      // The US archive holds the eight packages; nothing leaves an archive.
      const [{ archived: ltaBytes }]: { archived: number }[] = await h.db.query(
        `SELECT sum(c.size)::float8 AS archived FROM physical_copy c
           JOIN data_location l ON l.id = c.location_id JOIN site s ON s.id = l.site_id
          WHERE s.short_name = 'us' AND l.name = 'lta' AND c.status = 'present'`,
      );
      const usage = await waitFor(
        'every location of the sites to be measured, the US archive after its last copy',
        async () => {
          const rows: { location: string; total: number | null; bytes: number }[] = await h.db.query(
            `SELECT s.short_name || '/' || l.name AS location, u.total_bytes::float8 AS total, u.copies_bytes::float8 AS bytes
             FROM location_usage u JOIN data_location l ON l.id = u.location_id JOIN site s ON s.id = l.site_id`,
          );
          return rows.some((r) => r.location === 'us/lta' && r.bytes === ltaBytes) &&
            rows.some((r) => r.location === 'ccat/telescope_computer')
            ? rows
            : null;
        },
        15_000,
      );
      const at = (name: string) => usage.find((u) => u.location === name)!;
      // The instrument disk is this machine's, as statfs sees it.
      const disk = statfsSync(join(h.dataRoot, 'ccat', 'telescope_computer'));
      expect(at('ccat/telescope_computer').total).toBe(disk.blocks * disk.bsize);
      expect(at('us/lta')).toEqual({ location: 'us/lta', total: null, bytes: ltaBytes });
      // Which holds at least every registered byte (in tars, with their headers).
      expect(ltaBytes).toBeGreaterThan([...h.registered.values()].reduce((n, f) => n + f.size, 0));
    });

    it('explains a file as safe, since when its source copy is gone, over the API and the CLI', async () => {
      // Asked why a file is where it is, the API says it is safe, and since when its source copy is gone.
      const [{ id: fileId }] = await h.db.query(`SELECT id FROM raw_data_file LIMIT 1`);
      await waitFor(
        'its source copy to be deleted',
        async () =>
          (
            await h.db.query(
              `SELECT 1 FROM physical_copy c JOIN data_location l ON l.id = c.location_id
                WHERE c.raw_data_file_id = $1 AND l.location_type = 'source' AND c.status = 'deleted'`,
              [fileId],
            )
          ).length === 1,
        30_000,
      );
      const http = request(h.api.app.getHttpServer());
      const explained = await http
        .get(`/raw-data-files/${fileId}/explain`)
        .set({ Authorization: `Bearer ${h.token}` })
        .expect(200);
      expect(explained.body).toMatchObject({ stage: 'safe', safe: true });
      expect(explained.body.verdict).toMatch(
        /^Safe at cologne, us \(verified, 2 sites needed\); source copy deleted on \d{4}-\d\d-\d\d \d\d:\d\d UTC by rule "source file whose package is safe at enough archive sites"\.$/,
      );
      expect(
        explained.body.copies.map(
          (c: { site: string; location: string; status: string }) => `${c.site}/${c.location} ${c.status}`,
        ),
      ).toEqual(
        expect.arrayContaining(['ccat/telescope_computer deleted', 'cologne/lta present', 'us/lta present']),
      );
      // The CLI sums up an obs unit: the first one observed above, 13 files.
      expect(cli(['explain', 'field_0'], { DATABASE_URL: h.api.db.url })).toContain(
        'field_0: 13 files, 13 safe.',
      );
      // By its id and by its path, each through its own index; a reference longer than 512 characters is
      // refused before any lookup.
      const [{ relative_path: filePath }] = await h.db.query(
        `SELECT relative_path FROM raw_data_file WHERE id = $1`,
        [fileId],
      );
      expect(cli(['explain', fileId], { DATABASE_URL: h.api.db.url })).toContain(filePath);
      expect(cli(['explain', filePath], { DATABASE_URL: h.api.db.url })).toContain(filePath);
      expect(() => cli(['explain', 'x'.repeat(513)], { DATABASE_URL: h.api.db.url })).toThrow(
        /at most 512 characters/,
      );
      await http.get(`/raw-data-files/${fileId}/explain`).expect(401);
      await http
        .get('/raw-data-files/nope/explain')
        .set({ Authorization: `Bearer ${h.token}` })
        .expect(400);
      await http
        .get('/raw-data-files/00000000-0000-4000-8000-000000000000/explain')
        .set({ Authorization: `Bearer ${h.token}` })
        .expect(404);
    });
  });

  it("two archive locations at Cologne are one site: with the US worker down the source stays for 15 deletion cycles, and the bundle waits in Cologne's buffer for the secondary transfer", async () => {
    // Cologne gets a second archive (a tape-backed bucket, as archive centres have); it counts once.
    await h.client.send(new CreateBucketCommand({ Bucket: TAPE_BUCKET }));
    const [tape] = await h.db.query(
      `INSERT INTO data_location (site_id, name, location_type, storage_type, s3_endpoint, s3_bucket, s3_prefix,
                                  s3_region, s3_access_key_env, s3_secret_key_env, s3_allow_insecure_http)
       SELECT id, 'lta_tape', 'long_term_archive', 's3', $1, $2, 'archive/', 'us-east-1',
              'COLOGNE_S3_ACCESS_KEY', 'COLOGNE_S3_SECRET_KEY', true FROM site WHERE short_name = 'cologne' RETURNING id`,
      [h.s3.endpoint, TAPE_BUCKET],
    );
    // The US worker is down: whichever bundle goes to Cologne first waits there for its replication.
    await h.workers.get('us')!.stop('SIGKILL');
    const bundleOf = (unit: string) =>
      waitFor(
        `the bundle of ${unit} to leave the observatory`,
        async () => {
          const [row] = await h.db.query(
            `SELECT t.data_transfer_package_id AS dtp, s.short_name AS site FROM data_transfer t
             JOIN data_location l ON l.id = t.destination_location_id JOIN site s ON s.id = l.site_id
            WHERE t.data_transfer_package_id IN
                  (SELECT data_transfer_package_id FROM raw_data_package WHERE executed_obs_unit_id = $1)`,
            [unit],
          );
          return row as { dtp: string; site: string } | undefined;
        },
        90_000,
      );
    let bundle = await bundleOf(await h.observe('chai', ['lfa'], 3, 50_000));
    // Round robin: if this one went to the US first, the next one goes to Cologne.
    if (bundle.site === 'us') bundle = await bundleOf(await h.observe('chai', ['lfa'], 3, 50_000));
    expect(bundle.site).toBe('cologne');
    const state = async () =>
      h.db.query(
        `SELECT s.short_name AS site, c.status FROM physical_copy c
           JOIN data_location l ON l.id = c.location_id JOIN site s ON s.id = l.site_id
          WHERE c.data_transfer_package_id = $1 AND l.location_type = 'buffer' ORDER BY s.short_name`,
        [bundle.dtp],
      ) as Promise<{ site: string; status: string }[]>;
    await waitFor(
      "the secondary transfer to Cologne's buffer to be created",
      async () => {
        const [row] = await h.db.query(
          `SELECT count(*)::int AS n FROM data_transfer WHERE data_transfer_package_id = $1`,
          [bundle.dtp],
        );
        return row.n === 2;
      },
      90_000,
    );
    // Archived in Cologne only: one verified LTA copy of two.
    const sourceCopies = () =>
      h.db.query(
        `SELECT c.status, p.lta_site_count FROM physical_copy c JOIN raw_data_file f ON f.id = c.raw_data_file_id
           JOIN raw_data_package p ON p.id = f.raw_data_package_id WHERE p.data_transfer_package_id = $1`,
        [bundle.dtp],
      ) as Promise<{ status: string; lta_site_count: number }[]>;
    await waitFor(
      "the bundle's packages to be archived twice in Cologne (lta and lta_tape)",
      async () => {
        const [row] = await h.db.query(
          `SELECT count(*) FILTER (WHERE c.status = 'present')::int AS present, count(DISTINCT p.id)::int AS packages
             FROM raw_data_package p LEFT JOIN physical_copy c ON c.raw_data_package_id = p.id
              AND c.location_id IN (SELECT l.id FROM data_location l JOIN site s ON s.id = l.site_id
                                     WHERE s.short_name = 'cologne' AND l.location_type = 'long_term_archive')
            WHERE p.data_transfer_package_id = $1`,
          [bundle.dtp],
        );
        return row.packages > 0 && row.present === 2 * row.packages;
      },
      90_000,
    );
    expect((await sourceCopies()).every((c) => c.lta_site_count === 1)).toBe(true);
    // Fifteen deletion cycles, driven here (the managers process runs its own beside them): two archive
    // copies at one site are not two sites, so not one file leaves the telescope computer.
    const deletion = deletionManager(h);
    for (let i = 0; i < 15; i++) await deletion.runCycle();
    await new Promise((r) => setTimeout(r, 1000)); // what a cycle might have queued would have run by now
    const onDisk = await h.db.query(
      `SELECT f.relative_path AS path, c.status FROM physical_copy c JOIN raw_data_file f ON f.id = c.raw_data_file_id
         JOIN raw_data_package p ON p.id = f.raw_data_package_id JOIN data_location l ON l.id = c.location_id
        WHERE p.data_transfer_package_id = $1 AND l.location_type = 'source'`,
      [bundle.dtp],
    );
    // The bundle holds the obs unit's three files: all still on the instrument disk.
    expect(onDisk).toHaveLength(3);
    for (const f of onDisk as { path: string; status: string }[]) {
      expect({ path: f.path, status: f.status }).toEqual({ path: f.path, status: 'present' });
      expect(existsSync(join(h.dataRoot, 'ccat', 'telescope_computer', f.path))).toBe(true);
    }
    const plan = cli(['deletion', 'plan', '--location', 'ccat_telescope_computer'], {
      DATABASE_URL: h.api.db.url,
    });
    expect(plan).not.toContain((onDisk[0] as { path: string }).path);
    // Ten deletion cycles later the bundle is still in both buffers, and the files are still on the
    // instrument disk: one archive copy is not enough.
    await new Promise((r) => setTimeout(r, 3000));
    expect(await state()).toEqual([
      { site: 'ccat', status: 'present' },
      { site: 'cologne', status: 'present' },
    ]);
    const waiting = await sourceCopies();
    expect(waiting).toHaveLength(3);
    expect(waiting.every((c) => c.status === 'present' && c.lta_site_count === 1)).toBe(true);
    const [secondary] = await h.db.query(
      `SELECT os.short_name AS origin, t.status FROM data_transfer t
         JOIN data_location o ON o.id = t.origin_location_id JOIN site os ON os.id = o.site_id
         JOIN data_location d ON d.id = t.destination_location_id JOIN site ds ON ds.id = d.site_id
        WHERE t.data_transfer_package_id = $1 AND ds.short_name = 'us'`,
      [bundle.dtp],
    );
    expect(secondary.origin).toBe('cologne');
    expect(['pending', 'scheduled']).toContain(secondary.status);
    const [{ id: waitingFile }] = await h.db.query(
      `SELECT f.id FROM raw_data_file f JOIN raw_data_package p ON p.id = f.raw_data_package_id
        WHERE p.data_transfer_package_id = $1 LIMIT 1`,
      [bundle.dtp],
    );
    const why = await request(h.api.app.getHttpServer())
      .get(`/raw-data-files/${waitingFile}/explain`)
      .set({ Authorization: `Bearer ${h.token}` })
      .expect(200);
    expect(why.body).toMatchObject({ stage: 'transfer', safe: false });
    expect(why.body.verdict).toMatch(
      /^In transfer from cologne\/buffer to us\/buffer over http: 0 of \d+ bytes \((pending|scheduled)\)\.$/,
    );

    // The US comes back: it pulls the bundle from Cologne, unpacks it, and then the copies go.
    await h.startWorker('us');
    await waitFor(
      'the bundle to be deleted from every buffer',
      async () => (await state()).every((c) => c.status === 'deleted'),
      60_000,
    );
    expect((await state()).map((c) => c.site)).toEqual(['ccat', 'cologne', 'us']);
    await waitFor(
      'the source files to go once both archives hold them',
      async () => (await sourceCopies()).every((c) => c.status === 'deleted' && c.lta_site_count === 2),
      30_000,
    );
    // The later tests archive to the two original archives only; the tape copies stay counted (offline).
    await h.db.query(`UPDATE data_location SET active = false WHERE id = $1`, [tape.id]);
  }, 300_000);

  it('keeps the source when a counted archive object was removed behind the database: the presence check finds it, the repair restores it, then the source goes', async () => {
    cli(['deletion', 'pause', '--reason', 'test: archive object to be removed'], {
      DATABASE_URL: h.api.db.url,
    });
    const unit = await h.observe('primecam', ['pcam_280'], 2, 10_000);
    const packagesOf = async () =>
      (await h.db.query(
        `SELECT id, relative_path, state, lta_site_count FROM raw_data_package WHERE executed_obs_unit_id = $1`,
        [unit],
      )) as { id: string; relative_path: string; state: string; lta_site_count: number }[];
    const [pkg] = await waitFor(
      'the package to be safe at both sites',
      async () => {
        const rows = await packagesOf();
        return rows.length === 1 && rows[0].state === 'archived' && rows[0].lta_site_count === 2
          ? rows
          : null;
      },
      60_000,
    );
    // Someone removes the US object, and the database's witnesses of both copies are an hour old.
    await h.client.send(new DeleteObjectCommand({ Bucket: BUCKETS.us, Key: `archive/${pkg.relative_path}` }));
    await h.db.transaction(async (m) => {
      await m.query(`SELECT set_config('ccat.actor', 'test', true)`);
      await m.query(
        `UPDATE physical_copy SET verified_at = now() - interval '1 hour'
          WHERE raw_data_package_id = $1 AND status = 'present'`,
        [pkg.id],
      );
    });
    const sources = () =>
      h.db.query(
        `SELECT f.relative_path AS path, c.status FROM physical_copy c JOIN raw_data_file f ON f.id = c.raw_data_file_id
           JOIN data_location l ON l.id = c.location_id WHERE f.raw_data_package_id = $1 AND l.location_type = 'source'`,
        [pkg.id],
      ) as Promise<{ path: string; status: string }[]>;
    cli(['deletion', 'resume'], { DATABASE_URL: h.api.db.url });
    const [lost] = await waitFor(
      "the US worker's presence check to find the object missing",
      async () => {
        const rows = await h.db.query(
          `SELECT c.id, e.reason FROM physical_copy c JOIN physical_copy_event e ON e.physical_copy_id = c.id
             JOIN data_location l ON l.id = c.location_id JOIN site s ON s.id = l.site_id
            WHERE c.raw_data_package_id = $1 AND s.short_name = 'us' AND c.status = 'lost' AND e.to_status = 'lost'`,
          [pkg.id],
        );
        return rows.length ? rows : null;
      },
      30_000,
    );
    expect(lost.reason).toMatch(/missing/);
    for (const f of await sources()) {
      expect(f.status).not.toMatch(/deleted|deletion_in_progress/);
      expect(existsSync(join(h.dataRoot, 'ccat', 'telescope_computer', f.path))).toBe(true);
    }
    const [repair] = await h.db.query(`SELECT id FROM copy_repair WHERE lost_copy_id = $1`, [lost.id]);
    expect(repair).toBeDefined();
    // The repair copies Cologne's verified object back to the US archive; then the package is safe again.
    await waitFor(
      'the repaired package to be safe and its source files freed',
      async () => (await sources()).every((f) => f.status === 'deleted'),
      60_000,
    );
    const tar = await h.getObject(BUCKETS.us, `archive/${pkg.relative_path}`);
    const [{ sha256: recorded }] = await h.db.query(`SELECT sha256 FROM raw_data_package WHERE id = $1`, [
      pkg.id,
    ]);
    expect(sha256(tar)).toBe(recorded);
  }, 120_000);

  it('leaves no PRESENT archive copy when the archiving worker is killed mid-upload, and the retry completes', async () => {
    const unit = await h.observe('primecam', ['pcam_280'], 1, 1);
    // One large file, so that its upload takes long enough to be cut.
    const big = randomBytes(48 * 1024 * 1024);
    // The unit is already finished; a late file of a finished unit gets a package of its own.
    const path = await h.registerLateFile(unit, 'pcam_280', big);

    const uploading = await waitFor(
      'the archive upload of the large package to start',
      async () => {
        const [row] = await h.db.query(
          `SELECT t.id, t.raw_data_package_id AS package, s.short_name AS site FROM long_term_archive_transfer t
             JOIN raw_data_package p ON p.id = t.raw_data_package_id
             JOIN data_location l ON l.id = t.destination_location_id JOIN site s ON s.id = l.site_id
            WHERE t.status = 'in_progress' AND p.size > 40000000`,
        );
        return row as { id: string; package: string; site: string } | null;
      },
      60_000,
    );
    await new Promise((r) => setTimeout(r, 150));
    await h.workers.get(uploading.site)!.stop('SIGKILL');
    const [{ present }] = await h.db.query(
      `SELECT count(*)::int AS present FROM physical_copy c JOIN long_term_archive_transfer t
          ON t.destination_location_id = c.location_id AND t.raw_data_package_id = c.raw_data_package_id
        WHERE t.id = $1 AND c.status = 'present'`,
      [uploading.id],
    );
    const [cut] = await h.db.query(`SELECT status FROM long_term_archive_transfer WHERE id = $1`, [
      uploading.id,
    ]);
    expect({ present, status: cut.status }).toEqual({ present: 0, status: 'in_progress' });
    // Cut before the upload completed: the archive holds no object under the package's key yet.
    const [{ relative_path: key }] = await h.db.query(
      `SELECT relative_path FROM raw_data_package WHERE id = $1`,
      [uploading.package],
    );
    await expect(
      h.client.send(new HeadObjectCommand({ Bucket: BUCKETS[uploading.site], Key: `archive/${key}` })),
    ).rejects.toMatchObject({ name: 'NotFound' });

    await h.startWorker(uploading.site);
    await waitFor(
      'the retried upload to complete',
      async () => {
        const [row] = await h.db.query(`SELECT status FROM long_term_archive_transfer WHERE id = $1`, [
          uploading.id,
        ]);
        return row.status === 'completed';
      },
      60_000,
    );
    const [p] = (await h.packages()).filter((r) => r.id === uploading.package);
    expect(p.state).toBe('archived');
    const copies = await h.db.query(
      `SELECT c.status FROM physical_copy c JOIN long_term_archive_transfer t
          ON t.destination_location_id = c.location_id AND t.raw_data_package_id = c.raw_data_package_id
        WHERE t.id = $1`,
      [uploading.id],
    );
    expect(copies).toEqual([{ status: 'present' }]);
    const tar = await h.getObject(BUCKETS[uploading.site], `archive/${p.relative_path}`);
    expect(sha256(tar)).toBe(p.sha256);
    expect((await tarMembers(tar)).get(path)).toBe(sha256(big));
  }, 120_000);
});
