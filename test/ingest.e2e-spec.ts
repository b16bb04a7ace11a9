import request from 'supertest';
import { TokenScope } from '../src/engine/auth/api-token.entity';
import { ApiTokenService } from '../src/engine/auth/api-token.service';
import { ApiHarness, startApi } from './support/api-app';
import { createToken, fileRegistration, obsUnitStart, seedSmallTopology } from './support/factories';

describe('ingest API (real PostgreSQL)', () => {
  let h: ApiHarness;
  let ingest: string;
  let unitId: string;
  const http = () => request(h.app.getHttpServer());
  const auth = () => ({ Authorization: `Bearer ${ingest}` });

  const counts = async () => {
    const [row] = await h.dataSource.query(
      `SELECT (SELECT count(*) FROM raw_data_file)::int AS files,
              (SELECT count(*) FROM physical_copy)::int AS copies,
              (SELECT count(*) FROM physical_copy_event)::int AS events,
              (SELECT count(*) FROM executed_obs_unit)::int AS units`,
    );
    return row as { files: number; copies: number; events: number; units: number };
  };

  beforeAll(async () => {
    h = await startApi();
    await seedSmallTopology(h.dataSource);
    ingest = await createToken(h.dataSource, [TokenScope.INGEST], 'instrument-primecam');
    const start = await http().post('/executed-obs-units/start').set(auth()).send(obsUnitStart()).expect(201);
    unitId = start.body.id;
  });

  afterAll(() => h.close());

  describe('executed obs units', () => {
    it('starts a unit once: a re-send is 200, a different one 409', async () => {
      const unit = obsUnitStart();
      const first = await http().post('/executed-obs-units/start').set(auth()).send(unit).expect(201);
      expect(first.body).toMatchObject({
        id: unit.id,
        obsUnit: unit.obsUnit,
        instrument: 'primecam',
        finishedAt: null,
      });
      await http().post('/executed-obs-units/start').set(auth()).send(unit).expect(200);
      const clash = await http()
        .post('/executed-obs-units/start')
        .set(auth())
        .send({ ...unit, obsUnit: 'other' })
        .expect(409);
      expect(clash.body.message).toMatch(/already started with different values/);
    });

    it('takes a priority at the start: high is audited, anything else is a 400, a re-send changes nothing', async () => {
      const normal = await http()
        .post('/executed-obs-units/start')
        .set(auth())
        .send(obsUnitStart())
        .expect(201);
      expect(normal.body.priority).toBe('normal');
      const unit = obsUnitStart({ priority: 'high' });
      const urgent = await http().post('/executed-obs-units/start').set(auth()).send(unit).expect(201);
      expect(urgent.body.priority).toBe('high');
      // The first start decides: sent again without it (or as normal), the unit stays urgent, and no 409.
      const again = await http()
        .post('/executed-obs-units/start')
        .set(auth())
        .send({ ...unit, priority: 'normal' })
        .expect(200);
      expect(again.body.priority).toBe('high');
      expect(
        await h.dataSource.query(
          `SELECT from_priority AS "from", to_priority AS "to", actor FROM obs_unit_priority_change
            WHERE executed_obs_unit_id = $1`,
          [unit.id],
        ),
      ).toEqual([{ from: null, to: 'high', actor: 'token:instrument-primecam' }]);
      const bad = await http()
        .post('/executed-obs-units/start')
        .set(auth())
        .send(obsUnitStart({ priority: 'urgent' }))
        .expect(400);
      expect(bad.body.message).toBe('priority: must be one of: normal, high');
    });

    it('finishes a unit; finishing again is harmless, at another time a 409', async () => {
      const unit = obsUnitStart();
      await http().post('/executed-obs-units/start').set(auth()).send(unit).expect(201);
      const finishedAt = '2026-11-24T02:00:00.000Z';
      const done = await http()
        .put(`/executed-obs-units/${unit.id}/finish`)
        .set(auth())
        .send({ finishedAt })
        .expect(200);
      expect(done.body.finishedAt).toBe(finishedAt);
      await http().put(`/executed-obs-units/${unit.id}/finish`).set(auth()).send({ finishedAt }).expect(200);
      await http().put(`/executed-obs-units/${unit.id}/finish`).set(auth()).send({}).expect(200);
      await http()
        .put(`/executed-obs-units/${unit.id}/finish`)
        .set(auth())
        .send({ finishedAt: '2026-11-24T03:00:00.000Z' })
        .expect(409);
    });

    it('refuses an unknown instrument, an unknown unit and a finish before the start', async () => {
      const bad = await http()
        .post('/executed-obs-units/start')
        .set(auth())
        .send(obsUnitStart({ instrument: 'nope' }))
        .expect(400);
      expect(bad.body.message).toMatch(/^instrument: unknown instrument nope/);
      await http().put(`/executed-obs-units/${obsUnitStart().id}/finish`).set(auth()).send({}).expect(404);
      const early = await http()
        .put(`/executed-obs-units/${unitId}/finish`)
        .set(auth())
        .send({ finishedAt: '2020-01-01T00:00:00Z' })
        .expect(400);
      expect(early.body.message).toMatch(/finishedAt/);
    });
  });

  describe('single registration', () => {
    it('records the file, a PRESENT copy at its source and the copy event, once', async () => {
      const file = fileRegistration(unitId, {
        fileCreatedAt: '2026-11-24T01:02:03.456Z',
        fileType: 'fits',
        metadata: { scan: 7, band: '280GHz' },
      });
      const created = await http().post('/raw-data-files').set(auth()).send(file).expect(201);
      expect(created.body).toMatchObject({
        id: file.id,
        path: file.path,
        size: file.size,
        sha256: file.sha256,
        instrument: 'primecam',
        instrumentModule: 'pcam_280',
        copies: [{ site: 'ccat', location: 'telescope_computer', status: 'present', path: file.path }],
      });
      const events = await h.dataSource.query(
        `SELECT e.from_status, e.to_status, e.actor FROM physical_copy_event e
           JOIN physical_copy c ON c.id = e.physical_copy_id WHERE c.raw_data_file_id = $1`,
        [file.id],
      );
      expect(events).toEqual([
        { from_status: null, to_status: 'present', actor: 'token:instrument-primecam' },
      ]);

      const before = await counts();
      await http().post('/raw-data-files').set(auth()).send(file).expect(200);
      expect(await counts()).toEqual(before);
      const got = await http().get(`/raw-data-files/${file.id}`).set(auth()).expect(200);
      expect(got.body).toEqual(created.body);
    });

    it('answers 409 for a known id with other content, or a known path under another id, writing nothing', async () => {
      const file = fileRegistration(unitId);
      await http().post('/raw-data-files').set(auth()).send(file).expect(201);
      const before = await counts();
      const sameId = await http()
        .post('/raw-data-files')
        .set(auth())
        .send({ ...file, size: file.size + 1 })
        .expect(409);
      expect(sameId.body.message).toMatch(/already registered with a different size/);
      const samePath = await http()
        .post('/raw-data-files')
        .set(auth())
        .send(fileRegistration(unitId, { path: file.path }))
        .expect(409);
      expect(samePath.body.message).toMatch(/already registered under another id/);
      expect(await counts()).toEqual(before);
    });

    it('accepts an upper-case checksum and stores it lower-case', async () => {
      const file = fileRegistration(unitId);
      const res = await http()
        .post('/raw-data-files')
        .set(auth())
        .send({ ...file, sha256: file.sha256.toUpperCase() })
        .expect(201);
      expect(res.body.sha256).toBe(file.sha256);
    });

    it('answers 404 for an unknown file and 400 for an id that is not a UUID', async () => {
      await http().get(`/raw-data-files/${obsUnitStart().id}`).set(auth()).expect(404);
      await http().get('/raw-data-files/not-a-uuid').set(auth()).expect(400);
    });
  });

  describe('bulk registration', () => {
    it('registers 5,000 files in one request and accepts the same request again without new rows', async () => {
      const files = Array.from({ length: 5000 }, (_, i) =>
        fileRegistration(unitId, { instrumentModule: i % 2 ? 'pcam_280' : 'pcam_350' }),
      );
      const before = await counts();
      const res = await http().post('/raw-data-files/bulk').set(auth()).send({ files }).expect(200);
      expect(res.body).toEqual({ received: 5000, created: 5000, alreadyRegistered: 0 });
      const after = await counts();
      expect(after.files - before.files).toBe(5000);
      expect(after.copies - before.copies).toBe(5000);
      expect(after.events - before.events).toBe(5000);

      const again = await http().post('/raw-data-files/bulk').set(auth()).send({ files }).expect(200);
      expect(again.body).toEqual({ received: 5000, created: 0, alreadyRegistered: 5000 });
      expect(await counts()).toEqual(after);

      const sample = files[4321];
      const row = await h.dataSource.query(
        `SELECT size, sha256, relative_path FROM raw_data_file WHERE id = $1`,
        [sample.id],
      );
      expect(row).toEqual([{ size: String(sample.size), sha256: sample.sha256, relative_path: sample.path }]);
    });

    it('writes nothing when one file of the batch conflicts with an earlier registration', async () => {
      const known = fileRegistration(unitId);
      await http().post('/raw-data-files').set(auth()).send(known).expect(201);
      const before = await counts();
      const files = [
        fileRegistration(unitId),
        { ...known, sha256: 'a'.repeat(64) },
        fileRegistration(unitId),
      ];
      const res = await http().post('/raw-data-files/bulk').set(auth()).send({ files }).expect(409);
      expect(res.body.message).toMatch(/^files\[1\]\.id: .*different sha256/);
      expect(await counts()).toEqual(before);
    });

    it('counts a file repeated within one request once, and refuses a repeat with other content', async () => {
      const file = fileRegistration(unitId);
      const ok = await http()
        .post('/raw-data-files/bulk')
        .set(auth())
        .send({ files: [file, file] })
        .expect(200);
      expect(ok.body).toEqual({ received: 2, created: 1, alreadyRegistered: 1 });
      const other = fileRegistration(unitId);
      await http()
        .post('/raw-data-files/bulk')
        .set(auth())
        .send({ files: [other, { ...other, size: 1 }] })
        .expect(409);
    });
  });

  describe('bad input is a 400 naming the field, and writes nothing', () => {
    const { id: _omit, ...withoutId } = fileRegistration('00000000-0000-4000-8000-000000000000');
    const cases: [string, () => unknown, RegExp][] = [
      ['a missing id', () => withoutId, /^id: must be a UUID/],
      ['a size given as text', () => fileRegistration(unitId, { size: '12' }), /size: must be an integer/],
      ['a negative size', () => fileRegistration(unitId, { size: -1 }), /size: must not be less than 0/],
      ['an absolute path', () => fileRegistration(unitId, { path: '/etc/passwd' }), /path: must be relative/],
      [
        'a path with ..',
        () => fileRegistration(unitId, { path: 'a/../../b' }),
        /path: must not contain \.\./,
      ],
      [
        'a short checksum',
        () => fileRegistration(unitId, { sha256: 'abc' }),
        /sha256: must be 64 hexadecimal/,
      ],
      ['a non-hex checksum', () => fileRegistration(unitId, { sha256: 'g'.repeat(64) }), /sha256: /],
      [
        'an unknown module',
        () => fileRegistration(unitId, { instrumentModule: 'x' }),
        /instrumentModule: unknown module x/,
      ],
      [
        'an unknown location',
        () => fileRegistration(unitId, { location: 'attic' }),
        /location: unknown location attic/,
      ],
      [
        'an unknown site',
        () => fileRegistration(unitId, { site: 'mars' }),
        /location: unknown location .* at site mars/,
      ],
      [
        'a buffer as location',
        () => fileRegistration(unitId, { location: 'buffer' }),
        /location: .*is a buffer location/,
      ],
      [
        'an unknown obs unit',
        () => fileRegistration('5d1e8d0e-0000-4000-8000-000000000001'),
        /executedObsUnitId: unknown executed obs unit/,
      ],
      [
        'an unknown field',
        () => fileRegistration(unitId, { sha265: 'x' }),
        /sha265: property sha265 should not exist/,
      ],
      ['an array body', () => [fileRegistration(unitId)], /body: must be a JSON object/],
    ];

    it.each(cases)('single: %s', async (_name, body, message) => {
      const before = await counts();
      const res = await http()
        .post('/raw-data-files')
        .set(auth())
        .send(body() as object)
        .expect(400);
      expect(res.body.message).toMatch(message);
      expect(await counts()).toEqual(before);
    });

    it.each(cases.filter(([name]) => name !== 'an array body'))(
      'bulk, one bad item among good: %s',
      async (_n, body, message) => {
        const before = await counts();
        const files = [fileRegistration(unitId), fileRegistration(unitId), body()];
        const res = await http().post('/raw-data-files/bulk').set(auth()).send({ files }).expect(400);
        expect(res.body.message).toMatch(new RegExp(`files\\[2\\]\\.${message.source.replace(/^\^/, '')}`));
        expect(await counts()).toEqual(before);
      },
    );

    it('malformed JSON', async () => {
      const res = await http()
        .post('/raw-data-files/bulk')
        .set(auth())
        .set('Content-Type', 'application/json')
        .send('{"files": [ {"id": ')
        .expect(400);
      expect(res.body.message).toMatch(/^body: malformed JSON/);
    });

    it('a body over the size limit is a 413 that says so', async () => {
      const huge = {
        files: [fileRegistration(unitId, { metadata: { blob: 'x'.repeat(21 * 1024 * 1024) } })],
      };
      const res = await http().post('/raw-data-files/bulk').set(auth()).send(huge).expect(413);
      expect(res.body.message).toMatch(/^body: larger than the 20mb limit/);
    });

    it('an empty or missing file list', async () => {
      expect(
        (await http().post('/raw-data-files/bulk').set(auth()).send({ files: [] }).expect(400)).body.message,
      ).toMatch(/files: must contain at least 1 elements/);
      expect(
        (await http().post('/raw-data-files/bulk').set(auth()).send({}).expect(400)).body.message,
      ).toMatch(/files: /);
    });
  });

  describe('tokens and scopes', () => {
    it('refuses a request without a token, with a wrong one, or with one lacking the scope', async () => {
      const file = fileRegistration(unitId);
      const before = await counts();
      const none = await http().post('/raw-data-files').send(file).expect(401);
      expect(none.body.message).toMatch(/Bearer/);
      await http().post('/raw-data-files').set('Authorization', 'Bearer nonsense').send(file).expect(401);
      const forged = ingest.slice(0, -4) + 'AAAA';
      await http().post('/raw-data-files').set('Authorization', `Bearer ${forged}`).send(file).expect(401);
      await http().post('/raw-data-files').set('Authorization', `Basic ${ingest}`).send(file).expect(401);
      const reader = await createToken(h.dataSource, [TokenScope.READ]);
      const res = await http()
        .post('/raw-data-files')
        .set('Authorization', `Bearer ${reader}`)
        .send(file)
        .expect(403);
      expect(res.body.message).toMatch(/lacks the ingest scope/);
      // Nothing refused was written.
      expect(await counts()).toEqual(before);
      await http().get(`/raw-data-files/${file.id}`).set('Authorization', `Bearer ${reader}`).expect(404);
    });

    it('lets an admin token do everything and refuses a revoked token', async () => {
      const admin = await createToken(h.dataSource, [TokenScope.ADMIN], 'operator');
      await http()
        .post('/raw-data-files')
        .set('Authorization', `Bearer ${admin}`)
        .send(fileRegistration(unitId))
        .expect(201);
      await h.app.get(ApiTokenService).revoke('operator');
      await http()
        .post('/raw-data-files')
        .set('Authorization', `Bearer ${admin}`)
        .send(fileRegistration(unitId))
        .expect(401);
    });

    it('serves /health without a token, and the OpenAPI document to a read token', async () => {
      const health = await http().get('/health');
      expect([200, 503]).toContain(health.status);
      expect(health.body.info ?? health.body.error).toHaveProperty('database');
      await http().get('/api/docs-json').expect(401);
      const reader = await createToken(h.dataSource, [TokenScope.READ]);
      const docs = await http().get('/api/docs-json').set('Authorization', `Bearer ${reader}`).expect(200);
      expect(Object.keys(docs.body.paths)).toEqual(
        expect.arrayContaining(['/raw-data-files', '/raw-data-files/bulk', '/executed-obs-units/start']),
      );
    });
  });
});
