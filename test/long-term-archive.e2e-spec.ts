import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import request from 'supertest';
import { S3Server, startS3Server } from '../scripts/lib/s3-server';
import { TokenScope } from '../src/modules/auth/api-token.entity';
import { parseSidecar } from '../src/modules/long-term-archive/package-sidecar';
import { ApiHarness, startApi } from './support/api-app';
import { createToken, obsUnitStart } from './support/factories';
import {
  applyDemoTopology,
  cli,
  freePort,
  redisNamespace,
  RedisNamespace,
  RunningProcess,
  startWorker,
  waitFor,
} from './support/processes';
import { tarMembers } from './support/tar';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const BUCKETS: Record<string, string> = { cologne: 'ccat-cologne-lta', us: 'ccat-us-lta' };

interface Registered {
  path: string;
  sha256: string;
  size: number;
}

/**
 * Stages 1 to 5 with real processes: the in-process API takes the registrations, and a worker per site
 * and a managers process (the built apps) move the bytes through disk buffers into s3rver.
 */
describe('registration to a verified long-term-archive copy (real processes, PostgreSQL, Redis, s3rver)', () => {
  let api: ApiHarness;
  let ns: RedisNamespace;
  let s3: S3Server;
  let client: S3Client;
  let dataRoot: string;
  let token: string;
  let transferToken: string;
  const ports = new Map<string, number>();
  const workers = new Map<string, RunningProcess>();
  const registered = new Map<string, Registered>();
  const env = () => ({
    DATABASE_URL: api.db.url,
    ...ns.env,
    CCAT_DATA_ROOT: dataRoot,
    COLOGNE_S3_ACCESS_KEY: s3.credentials.accessKeyId,
    COLOGNE_S3_SECRET_KEY: s3.credentials.secretAccessKey,
    US_S3_ACCESS_KEY: s3.credentials.accessKeyId,
    US_S3_SECRET_KEY: s3.credentials.secretAccessKey,
    RAW_DATA_PACKAGE_MANAGER_INTERVAL: '300ms',
    DATA_TRANSFER_PACKAGE_MANAGER_INTERVAL: '300ms',
    DATA_TRANSFER_MANAGER_INTERVAL: '300ms',
    LONG_TERM_ARCHIVE_MANAGER_INTERVAL: '300ms',
    DELETION_MANAGER_INTERVAL: '300ms',
    STAGING_MANAGER_INTERVAL: '300ms',
    MONITORING_MANAGER_INTERVAL: '1s',
    TRANSFER_PACKAGE_MAX_WAIT: '500ms',
    WORKER_DISCOVERY_INTERVAL: '1s',
    JOB_LOCK_DURATION: '2s',
    TRANSFER_TOKEN: transferToken,
    // Recovery at test speed: lost jobs are found within seconds.
    RECOVERY_MANAGER_INTERVAL: '500ms',
    RECOVERY_GRACE: '2s',
    MANAGER_SCHEDULER_REFRESH: '1s',
    HEARTBEAT_INTERVAL: '1s',
    HEARTBEAT_TTL: '3s',
  });
  /** Each site's worker listens on the port its buffer's data URL names: transfers between sites are http. */
  const start = async (name: string, args: string[]) =>
    workers.set(
      name,
      await startWorker(args, {
        ...env(),
        ...(ports.has(name) ? { WORKER_HTTP_PORT: String(ports.get(name)) } : {}),
      }),
    );

  /** Writes the files of one obs unit to the telescope computer and registers them through the API. */
  const observe = async (instrument: string, modules: string[], files: number, maxSize: number) => {
    const unit = obsUnitStart({ instrument, obsUnit: `field_${registered.size}` });
    const http = request(api.app.getHttpServer());
    const auth = { Authorization: `Bearer ${token}` };
    await http.post('/executed-obs-units/start').set(auth).send(unit).expect(201);
    const registrations = [];
    for (let i = 0; i < files; i++) {
      const module = modules[i % modules.length];
      const path = `${instrument}/${unit.id}/${module}/scan_${i}.fits`;
      const bytes = randomBytes(1 + Math.floor(Math.random() * maxSize));
      const full = join(dataRoot, 'ccat', 'telescope_computer', path);
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, bytes);
      const reg = { path, size: bytes.length, sha256: sha256(bytes) };
      registered.set(path, reg);
      registrations.push({
        ...reg,
        id: crypto.randomUUID(),
        site: 'ccat',
        location: 'telescope_computer',
        executedObsUnitId: unit.id,
        instrumentModule: module,
      });
    }
    await http.post('/raw-data-files/bulk').set(auth).send({ files: registrations }).expect(200);
    await http
      .put(`/executed-obs-units/${unit.id}/finish`)
      .set(auth)
      .send({ outcome: 'success' })
      .expect(200);
    return unit.id as string;
  };

  const getObject = async (bucket: string, key: string): Promise<Buffer> => {
    const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return Buffer.from(await res.Body!.transformToByteArray());
  };

  const packages = (): Promise<
    {
      id: string;
      name: string;
      relative_path: string;
      sha256: string;
      state: string;
      lta_site_count: number;
    }[]
  > =>
    api.dataSource.query(
      `SELECT id, name, relative_path, sha256, state, lta_site_count FROM raw_data_package ORDER BY name`,
    );

  beforeAll(async () => {
    s3 = await startS3Server(Object.values(BUCKETS));
    client = new S3Client({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: s3.credentials,
    });
    ns = redisNamespace();
    api = await startApi({ ...ns.env });
    for (const site of ['ccat', 'cologne', 'us']) ports.set(site, await freePort());
    const dataUrl = (site: string) => `http://127.0.0.1:${ports.get(site)}/data/${site}/buffer`;
    ({ dataRoot } = applyDemoTopology(api.db.url, {
      CCAT_S3_ENDPOINT: s3.endpoint,
      CCAT_BUFFER_DATA_URL: dataUrl('ccat'),
      COLOGNE_BUFFER_DATA_URL: dataUrl('cologne'),
      US_BUFFER_DATA_URL: dataUrl('us'),
    }));
    token = await createToken(api.dataSource, [TokenScope.INGEST, TokenScope.READ]);
    transferToken = await createToken(api.dataSource, [TokenScope.TRANSFER]);
    for (const site of ['ccat', 'cologne', 'us']) await start(site, ['--site', site]);
    await start('managers', ['--role', 'managers']);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([...workers.values()].map((w) => w.stop('SIGKILL')));
    client?.destroy();
    await api?.close();
    await ns?.cleanup();
    await s3?.stop();
    if (dataRoot) rmSync(dataRoot, { recursive: true, force: true });
  });

  it('archives 50 files over 4 obs units and 2 modules at both archive sites; read back from both S3 archives, they hash to the registrations', async () => {
    await observe('primecam', ['pcam_280', 'pcam_350'], 13, 200_000);
    await observe('primecam', ['pcam_280', 'pcam_350'], 12, 200_000);
    await observe('chai', ['lfa', 'hfa'], 13, 200_000);
    await observe('chai', ['lfa', 'hfa'], 12, 2_000_000);
    expect(registered.size).toBe(50);

    const archived = await waitFor(
      'every package to be archived',
      async () => {
        const rows = await packages();
        const failed = await api.dataSource.query(
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

    const seen = new Map<string, number>();
    for (const p of archived) {
      const archiveCopies = await api.dataSource.query(
        `SELECT s.short_name AS site, c.relative_path, c.sha256, c.status FROM physical_copy c
           JOIN data_location l ON l.id = c.location_id JOIN site s ON s.id = l.site_id
          WHERE c.raw_data_package_id = $1 AND l.location_type = 'long_term_archive' ORDER BY s.short_name`,
        [p.id],
      );
      expect(archiveCopies.map((c: { site: string }) => c.site)).toEqual(['cologne', 'us']);
      for (const copy of archiveCopies) {
        expect(copy).toMatchObject({ status: 'present', sha256: p.sha256 });
        const key = `archive/${p.relative_path}`;
        const tar = await getObject(BUCKETS[copy.site], key);
        expect(sha256(tar)).toBe(p.sha256);
        const sidecar = parseSidecar(await getObject(BUCKETS[copy.site], `${key}.json`));
        expect(sidecar.package).toMatchObject({ id: p.id, sha256: p.sha256 });
        expect(sidecar.archive).toEqual({ site: copy.site, location: 'lta' });
        for (const [path, digest] of await tarMembers(tar)) {
          expect(registered.get(path)?.sha256).toBe(digest);
          expect(sidecar.files.find((f) => f.path === path)?.sha256).toBe(digest);
          seen.set(path, (seen.get(path) ?? 0) + 1);
        }
        const [transfer] = await api.dataSource.query(
          `SELECT t.status, t.sidecar_sha256 FROM long_term_archive_transfer t
           JOIN data_location l ON l.id = t.destination_location_id JOIN site s ON s.id = l.site_id
          WHERE t.raw_data_package_id = $1 AND s.short_name = $2`,
          [p.id, copy.site],
        );
        expect(transfer.status).toBe('completed');
        expect(transfer.sidecar_sha256).toBe(sha256(await getObject(BUCKETS[copy.site], `${key}.json`)));
      }
    }
    // Every file, read back from both archives.
    expect(seen.size).toBe(50);
    expect([...seen.values()].every((n) => n === 2)).toBe(true);

    // Each bundle left the observatory once, and reached the second site from the first one's buffer,
    // every time pulled over http from the origin worker's data port.
    const methods = await api.dataSource.query(`SELECT DISTINCT method FROM data_transfer`);
    expect(methods).toEqual([{ method: 'http' }]);
    const transfers: { dtp: string; origin_site: string; destination_site: string }[] =
      await api.dataSource.query(
        `SELECT t.data_transfer_package_id AS dtp, os.short_name AS origin_site, ds.short_name AS destination_site
           FROM data_transfer t
           JOIN data_location o ON o.id = t.origin_location_id JOIN site os ON os.id = o.site_id
           JOIN data_location d ON d.id = t.destination_location_id JOIN site ds ON ds.id = d.site_id`,
      );
    for (const dtp of new Set(transfers.map((t) => t.dtp))) {
      const mine = transfers.filter((t) => t.dtp === dtp);
      expect(mine.filter((t) => t.origin_site === 'ccat')).toHaveLength(1);
      const first = mine.find((t) => t.origin_site === 'ccat')!.destination_site;
      expect(mine.filter((t) => t.origin_site !== 'ccat')).toEqual([
        { dtp, origin_site: first, destination_site: first === 'cologne' ? 'us' : 'cologne' },
      ]);
    }

    // Then the bundles are deleted from every buffer, and only once no transfer read them any more.
    const deletions = await waitFor(
      'the bundles to be deleted from the buffers',
      async () => {
        const rows: { status: string; scheduled_at: Date; last_transfer_done: Date }[] =
          await api.dataSource.query(
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

    // Stage 7: the instrument disk and the buffers are emptied, and only after both archives held the
    // package verified (DELETION_MIN_LTA_COPIES = 2).
    const sourceGone = await waitFor(
      'the source files and the buffer packages to be deleted',
      async () => {
        const rows: { kind: string; status: string; scheduled_at: Date; second_lta_copy_at: Date }[] =
          await api.dataSource.query(
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
    for (const path of registered.keys())
      expect(existsSync(join(dataRoot, 'ccat', 'telescope_computer', path))).toBe(false);
    // The archives keep everything.
    const [{ lta }] = await api.dataSource.query(
      `SELECT count(*)::int AS lta FROM physical_copy c JOIN data_location l ON l.id = c.location_id
        WHERE l.location_type = 'long_term_archive' AND c.status = 'present'`,
    );
    expect(lta).toBe(16);

    // Every location was measured by the worker that serves it: disks by size, archives by our bytes.
    const usage = await waitFor(
      'every location of the sites to be measured',
      async () => {
        const rows: { location: string; total: number | null; bytes: number }[] = await api.dataSource.query(
          `SELECT s.short_name || '/' || l.name AS location, u.total_bytes::float8 AS total, u.copies_bytes::float8 AS bytes
             FROM location_usage u JOIN data_location l ON l.id = u.location_id JOIN site s ON s.id = l.site_id`,
        );
        return rows.some((r) => r.location === 'us/lta') &&
          rows.some((r) => r.location === 'ccat/telescope_computer')
          ? rows
          : null;
      },
      15_000,
    );
    const at = (name: string) => usage.find((u) => u.location === name)!;
    expect(at('ccat/telescope_computer').total).toBeGreaterThan(0);
    expect(at('us/lta')).toMatchObject({ total: null, bytes: expect.any(Number) });
    expect(at('us/lta').bytes).toBeGreaterThan(0);

    // Asked why a file is where it is, the API says it is safe, and since when its source copy is gone.
    const [{ id: fileId }] = await api.dataSource.query(`SELECT id FROM raw_data_file LIMIT 1`);
    const http = request(api.app.getHttpServer());
    const explained = await http
      .get(`/raw-data-files/${fileId}/explain`)
      .set({ Authorization: `Bearer ${token}` })
      .expect(200);
    expect(explained.body).toMatchObject({ stage: 'safe', safe: true });
    expect(explained.body.verdict).toMatch(
      /^Safe: archived and verified at 2 sites \(cologne, us\); source copy deleted on \d{4}-\d\d-\d\d \d\d:\d\d UTC by rule "source file archived with enough verified LTA copies"\.$/,
    );
    expect(
      explained.body.copies.map(
        (c: { site: string; location: string; status: string }) => `${c.site}/${c.location} ${c.status}`,
      ),
    ).toEqual(
      expect.arrayContaining(['ccat/telescope_computer deleted', 'cologne/lta present', 'us/lta present']),
    );
    // The CLI sums up an obs unit: the first one observed above, 13 files.
    expect(cli(['explain', 'field_0'], { DATABASE_URL: api.db.url })).toContain(
      'field_0: 13 files, 13 safe.',
    );
    await http.get(`/raw-data-files/${fileId}/explain`).expect(401);
    await http
      .get('/raw-data-files/nope/explain')
      .set({ Authorization: `Bearer ${token}` })
      .expect(400);
    await http
      .get('/raw-data-files/00000000-0000-4000-8000-000000000000/explain')
      .set({ Authorization: `Bearer ${token}` })
      .expect(404);
  }, 120_000);

  it('stages an archived obs unit back to a processing location, keeps it while the job needs it, and frees it on release', async () => {
    const admin = await createToken(api.dataSource, [TokenScope.ADMIN]);
    const http = request(api.app.getHttpServer());
    const post = (path: string, body: object, t = admin) =>
      http
        .post(path)
        .set({ Authorization: `Bearer ${t}` })
        .send(body);
    const location = 'cologne_ramses_processing';
    // Bad requests say what is wrong and write nothing.
    expect(
      (
        await post('/staging-jobs', { location, obsUnit: 'field_0', packages: [crypto.randomUUID()] }).expect(
          400,
        )
      ).body.message,
    ).toBe('name exactly one of packages, files or obsUnit');
    expect(
      (await post('/staging-jobs', { location: 'cologne_buffer', obsUnit: 'field_0' }).expect(400)).body
        .message,
    ).toBe('location cologne_buffer is a buffer location; staging goes to a processing location');
    await post('/staging-jobs', { location, obsUnit: 'no_such_unit' }).expect(404);
    await post('/staging-jobs', { location, obsUnit: 'field_0' }, token).expect(403);
    expect((await api.dataSource.query(`SELECT count(*)::int AS n FROM staging_job`))[0].n).toBe(0);

    const created = await post('/staging-jobs', { location, obsUnit: 'field_0' }).expect(201);
    expect(created.body).toMatchObject({
      status: 'pending',
      location,
      filesTotal: 13,
      filesDone: 0,
      packages: 2,
    });
    const get = () => http.get(`/staging-jobs/${created.body.id}`).set({ Authorization: `Bearer ${token}` });
    const done = await waitFor(
      'the staging job to complete',
      async () => {
        const { body } = await get().expect(200);
        if (body.status === 'failed') throw new Error(`staging failed: ${body.failureReason}`);
        return body.status === 'completed' ? body : null;
      },
      60_000,
    );
    expect(done).toMatchObject({ filesDone: 13, packagesStaged: 2, bytesDone: done.bytesTotal });
    const staged: { path: string; status: string }[] = await api.dataSource.query(
      `SELECT c.relative_path AS path, c.status FROM physical_copy c JOIN data_location l ON l.id = c.location_id
        WHERE l.location_type = 'processing' AND c.kind = 'raw_data_file'`,
    );
    expect(staged).toHaveLength(13);
    const root = join(dataRoot, 'cologne', 'ramses_processing');
    for (const c of staged) {
      expect(c.status).toBe('staged');
      expect(sha256(readFileSync(join(root, c.path)))).toBe(registered.get(c.path)!.sha256);
    }
    // While the job holds them, the deletion rules leave the staged files alone.
    await new Promise((r) => setTimeout(r, 2000));
    const still = await api.dataSource.query(
      `SELECT count(*)::int AS n FROM physical_copy c JOIN data_location l ON l.id = c.location_id
        WHERE l.location_type = 'processing' AND c.status = 'staged'`,
    );
    expect(still[0].n).toBe(13);

    const released = await post(`/staging-jobs/${created.body.id}/release`, {}).expect(200);
    expect(released.body.releasedAt).not.toBeNull();
    await post(`/staging-jobs/${created.body.id}/release`, {}).expect(409);
    await waitFor(
      'the staged files to be deleted after the release',
      async () => {
        const rows = await api.dataSource.query(
          `SELECT c.status FROM physical_copy c JOIN data_location l ON l.id = c.location_id WHERE l.location_type = 'processing'`,
        );
        return rows.length === 13 && rows.every((r: { status: string }) => r.status === 'deleted');
      },
      30_000,
    );
    for (const c of staged) expect(existsSync(join(root, c.path))).toBe(false);
  }, 120_000);

  it("keeps a bundle in the first archive site's buffer while the secondary transfer still needs it", async () => {
    // The US worker is down: whichever bundle goes to Cologne first waits there for its replication.
    await workers.get('us')!.stop('SIGKILL');
    const bundleOf = (unit: string) =>
      waitFor(
        `the bundle of ${unit} to leave the observatory`,
        async () => {
          const [row] = await api.dataSource.query(
            `SELECT t.data_transfer_package_id AS dtp, s.short_name AS site FROM data_transfer t
             JOIN data_location l ON l.id = t.destination_location_id JOIN site s ON s.id = l.site_id
            WHERE t.data_transfer_package_id IN
                  (SELECT data_transfer_package_id FROM raw_data_package WHERE executed_obs_unit_id = $1)`,
            [unit],
          );
          return row as { dtp: string; site: string } | undefined;
        },
        30_000,
      );
    let bundle = await bundleOf(await observe('chai', ['lfa'], 3, 50_000));
    // Round robin: if this one went to the US first, the next one goes to Cologne.
    if (bundle.site === 'us') bundle = await bundleOf(await observe('chai', ['lfa'], 3, 50_000));
    expect(bundle.site).toBe('cologne');
    const state = async () =>
      api.dataSource.query(
        `SELECT s.short_name AS site, c.status FROM physical_copy c
           JOIN data_location l ON l.id = c.location_id JOIN site s ON s.id = l.site_id
          WHERE c.data_transfer_package_id = $1 AND l.location_type = 'buffer' ORDER BY s.short_name`,
        [bundle.dtp],
      ) as Promise<{ site: string; status: string }[]>;
    await waitFor(
      "the secondary transfer to Cologne's buffer to be created",
      async () => {
        const [row] = await api.dataSource.query(
          `SELECT count(*)::int AS n FROM data_transfer WHERE data_transfer_package_id = $1`,
          [bundle.dtp],
        );
        return row.n === 2;
      },
      30_000,
    );
    // Archived in Cologne only: one verified LTA copy of two.
    const sourceCopies = () =>
      api.dataSource.query(
        `SELECT c.status, p.lta_site_count FROM physical_copy c JOIN raw_data_file f ON f.id = c.raw_data_file_id
           JOIN raw_data_package p ON p.id = f.raw_data_package_id WHERE p.data_transfer_package_id = $1`,
        [bundle.dtp],
      ) as Promise<{ status: string; lta_site_count: number }[]>;
    await waitFor(
      "the bundle's packages to be archived in Cologne",
      async () => (await sourceCopies()).every((c) => c.lta_site_count === 1),
      30_000,
    );
    // Ten deletion cycles later the bundle is still in both buffers, and the files are still on the
    // instrument disk: one archive copy is not enough.
    await new Promise((r) => setTimeout(r, 3000));
    expect(await state()).toEqual([
      { site: 'ccat', status: 'present' },
      { site: 'cologne', status: 'present' },
    ]);
    const waiting = await sourceCopies();
    expect(waiting.length).toBeGreaterThan(0);
    expect(waiting.every((c) => c.status === 'present' && c.lta_site_count === 1)).toBe(true);
    const [secondary] = await api.dataSource.query(
      `SELECT os.short_name AS origin, t.status FROM data_transfer t
         JOIN data_location o ON o.id = t.origin_location_id JOIN site os ON os.id = o.site_id
         JOIN data_location d ON d.id = t.destination_location_id JOIN site ds ON ds.id = d.site_id
        WHERE t.data_transfer_package_id = $1 AND ds.short_name = 'us'`,
      [bundle.dtp],
    );
    expect(secondary.origin).toBe('cologne');
    expect(['pending', 'scheduled']).toContain(secondary.status);
    const [{ id: waitingFile }] = await api.dataSource.query(
      `SELECT f.id FROM raw_data_file f JOIN raw_data_package p ON p.id = f.raw_data_package_id
        WHERE p.data_transfer_package_id = $1 LIMIT 1`,
      [bundle.dtp],
    );
    const why = await request(api.app.getHttpServer())
      .get(`/raw-data-files/${waitingFile}/explain`)
      .set({ Authorization: `Bearer ${token}` })
      .expect(200);
    expect(why.body).toMatchObject({ stage: 'transfer', safe: false });
    expect(why.body.verdict).toMatch(
      /^In transfer from cologne\/buffer to us\/buffer over http: 0 of \d+ bytes \((pending|scheduled)\)\.$/,
    );

    // The US comes back: it pulls the bundle from Cologne, unpacks it, and then the copies go.
    await start('us', ['--site', 'us']);
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
  }, 120_000);

  it('leaves no PRESENT archive copy when the archiving worker is killed mid-upload, and the retry completes', async () => {
    const unit = await observe('primecam', ['pcam_280'], 1, 1);
    // One large file, so that its upload takes long enough to be cut.
    const big = randomBytes(48 * 1024 * 1024);
    const path = `primecam/${unit}/pcam_280/big.fits`;
    const full = join(dataRoot, 'ccat', 'telescope_computer', path);
    writeFileSync(full, big);
    registered.set(path, { path, size: big.length, sha256: sha256(big) });
    // The unit is already finished; a late file of a finished unit gets a package of its own.
    await request(api.app.getHttpServer())
      .post('/raw-data-files')
      .set({ Authorization: `Bearer ${token}` })
      .send({
        id: crypto.randomUUID(),
        site: 'ccat',
        location: 'telescope_computer',
        path,
        size: big.length,
        sha256: sha256(big),
        executedObsUnitId: unit,
        instrumentModule: 'pcam_280',
      })
      .expect(201);

    const uploading = await waitFor(
      'the archive upload of the large package to start',
      async () => {
        const [row] = await api.dataSource.query(
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
    await workers.get(uploading.site)!.stop('SIGKILL');
    const [{ present }] = await api.dataSource.query(
      `SELECT count(*)::int AS present FROM physical_copy c JOIN long_term_archive_transfer t
          ON t.destination_location_id = c.location_id AND t.raw_data_package_id = c.raw_data_package_id
        WHERE t.id = $1 AND c.status = 'present'`,
      [uploading.id],
    );
    const [cut] = await api.dataSource.query(`SELECT status FROM long_term_archive_transfer WHERE id = $1`, [
      uploading.id,
    ]);
    expect({ present, status: cut.status }).toEqual({ present: 0, status: 'in_progress' });
    // Cut before the upload completed: the archive holds no object under the package's key yet.
    const [{ relative_path: key }] = await api.dataSource.query(
      `SELECT relative_path FROM raw_data_package WHERE id = $1`,
      [uploading.package],
    );
    await expect(
      client.send(new HeadObjectCommand({ Bucket: BUCKETS[uploading.site], Key: `archive/${key}` })),
    ).rejects.toMatchObject({ name: 'NotFound' });

    await start(uploading.site, ['--site', uploading.site]);
    await waitFor(
      'the retried upload to complete',
      async () => {
        const [row] = await api.dataSource.query(
          `SELECT status FROM long_term_archive_transfer WHERE id = $1`,
          [uploading.id],
        );
        return row.status === 'completed';
      },
      60_000,
    );
    const [p] = (await packages()).filter((r) => r.id === uploading.package);
    expect(p.state).toBe('archived');
    const copies = await api.dataSource.query(
      `SELECT c.status FROM physical_copy c JOIN long_term_archive_transfer t
          ON t.destination_location_id = c.location_id AND t.raw_data_package_id = c.raw_data_package_id
        WHERE t.id = $1`,
      [uploading.id],
    );
    expect(copies).toEqual([{ status: 'present' }]);
    const tar = await getObject(BUCKETS[uploading.site], `archive/${p.relative_path}`);
    expect(sha256(tar)).toBe(p.sha256);
    expect((await tarMembers(tar)).get(path)).toBe(sha256(big));
  }, 120_000);

  it('resumes an http transfer whose pulling worker is killed mid-stream, with no duplicate copy and nothing PRESENT that is not there', async () => {
    // The archive sites pull at 16 MiB/s, so that a 40 MiB bundle is still on its way when its puller dies.
    const slow = { TRANSFER_BANDWIDTH_LIMIT: '16MiB' };
    for (const site of ['cologne', 'us']) {
      await workers.get(site)!.stop('SIGKILL');
      workers.set(
        site,
        await startWorker(['--site', site], { ...env(), ...slow, WORKER_HTTP_PORT: String(ports.get(site)) }),
      );
    }
    const unit = await observe('chai', ['lfa'], 1, 1);
    const big = randomBytes(40 * 1024 * 1024);
    const path = `chai/${unit}/lfa/big.fits`;
    writeFileSync(join(dataRoot, 'ccat', 'telescope_computer', path), big);
    registered.set(path, { path, size: big.length, sha256: sha256(big) });
    await request(api.app.getHttpServer())
      .post('/raw-data-files')
      .set({ Authorization: `Bearer ${token}` })
      .send({
        id: crypto.randomUUID(),
        site: 'ccat',
        location: 'telescope_computer',
        path,
        size: big.length,
        sha256: sha256(big),
        executedObsUnitId: unit,
        instrumentModule: 'lfa',
      })
      .expect(201);
    const pulling = await waitFor(
      'the large bundle to be pulled',
      async () => {
        const [row] = await api.dataSource.query(
          `SELECT t.id, s.short_name AS site FROM data_transfer t JOIN data_transfer_package d ON d.id = t.data_transfer_package_id
             JOIN data_location l ON l.id = t.destination_location_id JOIN site s ON s.id = l.site_id
            WHERE t.status = 'in_progress' AND d.size > 40000000`,
        );
        return row as { id: string; site: string } | undefined;
      },
      60_000,
    );
    await new Promise((r) => setTimeout(r, 1200)); // well into the pull, with a checkpoint taken
    await workers.get(pulling.site)!.stop('SIGKILL');
    const [cut] = await api.dataSource.query(`SELECT status FROM data_transfer WHERE id = $1`, [pulling.id]);
    expect(cut.status).toBe('in_progress');
    const restarted = await startWorker(['--site', pulling.site], {
      ...env(),
      ...slow,
      WORKER_HTTP_PORT: String(ports.get(pulling.site)),
    });
    workers.set(pulling.site, restarted);
    await waitFor(
      'the bundle to be archived at both sites after the kill',
      async () => {
        const [p] = await api.dataSource.query(
          `SELECT p.state, p.lta_site_count FROM raw_data_package p JOIN raw_data_file f ON f.raw_data_package_id = p.id
            WHERE f.relative_path = $1`,
          [path],
        );
        return p?.state === 'archived' && p.lta_site_count === 2;
      },
      90_000,
    );
    // The new worker went on from the bytes the killed one had checkpointed.
    expect(restarted.output()).toMatch(/already held from an earlier attempt/);
    const [{ duplicates }] = await api.dataSource.query(
      `SELECT count(*)::int AS duplicates FROM (SELECT coalesce(raw_data_file_id, raw_data_package_id, data_transfer_package_id), location_id
         FROM physical_copy WHERE status <> 'deleted' GROUP BY 1, 2 HAVING count(*) > 1) d`,
    );
    expect(duplicates).toBe(0);
    // Every PRESENT copy on a disk is there, with its recorded size.
    const onDisk: { site: string; location: string; path: string; size: string }[] =
      await api.dataSource.query(
        `SELECT s.short_name AS site, l.name AS location, c.relative_path AS path, c.size FROM physical_copy c
         JOIN data_location l ON l.id = c.location_id JOIN site s ON s.id = l.site_id
        WHERE c.status = 'present' AND l.storage_type = 'disk'`,
      );
    for (const c of onDisk)
      expect(statSync(join(dataRoot, c.site, c.location, c.path)).size).toBe(Number(c.size));
  }, 150_000);

  it('loses every key in Redis mid-run (a FLUSHALL, for our processes) and still archives every file at both sites', async () => {
    // The archive sites' workers are away, so the transfer jobs wait in Redis when it loses everything.
    await Promise.all(['cologne', 'us'].map((site) => workers.get(site)!.stop('SIGKILL')));
    const units = [
      await observe('primecam', ['pcam_280', 'pcam_350'], 10, 300_000),
      await observe('chai', ['lfa', 'hfa'], 10, 300_000),
    ];
    const packagesOf = () =>
      api.dataSource.query(
        `SELECT p.state, p.lta_site_count, p.failure_reason FROM raw_data_package p WHERE p.executed_obs_unit_id = ANY($1)`,
        [units],
      ) as Promise<{ state: string; lta_site_count: number; failure_reason: string | null }[]>;
    const transfersOf = () =>
      api.dataSource.query(
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
    expect(await ns.flush()).toBeGreaterThan(0);
    for (const site of ['cologne', 'us']) await start(site, ['--site', site]);
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
    const [{ duplicates }] = await api.dataSource.query(
      `SELECT count(*)::int AS duplicates FROM (SELECT raw_data_package_id, location_id FROM physical_copy
         WHERE kind = 'raw_data_package' AND status <> 'deleted' GROUP BY 1, 2 HAVING count(*) > 1) d`,
    );
    expect(duplicates).toBe(0);
    const archived = await api.dataSource.query(
      `SELECT s.short_name AS site, c.relative_path, c.sha256 FROM physical_copy c
         JOIN data_location l ON l.id = c.location_id JOIN site s ON s.id = l.site_id
         JOIN raw_data_package p ON p.id = c.raw_data_package_id
        WHERE l.location_type = 'long_term_archive' AND p.executed_obs_unit_id = ANY($1)`,
      [units],
    );
    expect(archived).toHaveLength(8);
    for (const a of archived)
      expect(sha256(await getObject(BUCKETS[a.site], `archive/${a.relative_path}`))).toBe(a.sha256);
  }, 150_000);
});
