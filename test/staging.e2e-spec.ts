import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { TokenScope } from '../src/modules/auth/api-token.entity';
import { createToken } from './support/factories';
import { PipelineHarness, sha256 } from './support/pipeline-harness';
import { waitFor } from './support/processes';

/** Stage 6 with real processes: archived packages brought back to Cologne's processing location. */
describe('staging archived data to a processing location (real processes, PostgreSQL, Redis, s3rver)', () => {
  let h: PipelineHarness;

  beforeAll(async () => {
    h = await PipelineHarness.start();
  }, 60_000);
  afterAll(() => h?.stop());

  it('stages an archived obs unit back to a processing location, keeps it while the job needs it, and frees it on release', async () => {
    // An obs unit (named field_0: the first one observed) archived at both sites.
    await h.observe('primecam', ['pcam_280', 'pcam_350'], 13, 200_000);
    await waitFor(
      'the obs unit to be archived at both sites',
      async () => {
        const failed = await h.failures();
        if (failed.length) throw new Error(`failed: ${JSON.stringify(failed)}`);
        const rows = await h.packages();
        return rows.length === 2 && rows.every((p) => p.state === 'archived' && p.lta_site_count === 2);
      },
      60_000,
    );
    const admin = await createToken(h.db, [TokenScope.ADMIN]);
    const http = request(h.api.app.getHttpServer());
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
    await post('/staging-jobs', { location, obsUnit: 'field_0' }, h.token).expect(403);
    expect((await h.db.query(`SELECT count(*)::int AS n FROM staging_job`))[0].n).toBe(0);

    const created = await post('/staging-jobs', { location, obsUnit: 'field_0' }).expect(201);
    expect(created.body).toMatchObject({
      status: 'pending',
      location,
      filesTotal: 13,
      filesDone: 0,
      packages: 2,
    });
    const get = () =>
      http.get(`/staging-jobs/${created.body.id}`).set({ Authorization: `Bearer ${h.token}` });
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
    const staged: { path: string; status: string }[] = await h.db.query(
      `SELECT c.relative_path AS path, c.status FROM physical_copy c JOIN data_location l ON l.id = c.location_id
        WHERE l.location_type = 'processing' AND c.kind = 'raw_data_file'`,
    );
    expect(staged).toHaveLength(13);
    const root = join(h.dataRoot, 'cologne', 'ramses_processing');
    for (const c of staged) {
      expect(c.status).toBe('staged');
      expect(sha256(readFileSync(join(root, c.path)))).toBe(h.registered.get(c.path)!.sha256);
    }
    // While the job holds them, the deletion rules leave the staged files alone.
    await new Promise((r) => setTimeout(r, 2000));
    const still = await h.db.query(
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
        const rows = await h.db.query(
          `SELECT c.status FROM physical_copy c JOIN data_location l ON l.id = c.location_id WHERE l.location_type = 'processing'`,
        );
        return rows.length === 13 && rows.every((r: { status: string }) => r.status === 'deleted');
      },
      30_000,
    );
    for (const c of staged) expect(existsSync(join(root, c.path))).toBe(false);
  }, 120_000);
});
