import request from 'supertest';
import { TokenScope } from '../src/engine/auth/api-token.entity';
import { DataLocation } from '../src/catalog/locations/data-location.entity';
import { LocationType, StorageType } from '../src/catalog/locations/location-type';
import { ApiHarness, startApi } from './support/api-app';
import {
  createToken,
  fileRegistration,
  obsUnitStart,
  seedInstrument,
  seedSmallTopology,
} from './support/factories';
import { graphqlClient } from './support/graphql-client';
import { redisNamespace, RedisNamespace } from './support/processes';

/**
 * Ingest tokens bound to instruments and source locations, tried on the real api: what a bound token may
 * register, the 403 that names its binding for anything else, and that a refused request writes nothing.
 */
describe('ingest tokens bound to an instrument or a source location (real PostgreSQL)', () => {
  let h: ApiHarness;
  let ns: RedisNamespace;
  let admin = '';
  let open: string;
  let primecamOnly: string;
  let telescopeOnly: string;
  const { gql, ok } = graphqlClient({ getHttpServer: () => h.app.getHttpServer() } as never, () => admin);
  const as = (token: string) => ({
    post: (path: string, body: object) =>
      request(h.app.getHttpServer()).post(path).set('Authorization', `Bearer ${token}`).send(body),
    put: (path: string, body: object) =>
      request(h.app.getHttpServer()).put(path).set('Authorization', `Bearer ${token}`).send(body),
  });
  const filesIn = async (ids: string[]) =>
    (await h.dataSource.query(`SELECT count(*)::int AS n FROM raw_data_file WHERE id = ANY($1)`, [ids]))[0].n;

  beforeAll(async () => {
    ns = redisNamespace();
    h = await startApi({ ...ns.env });
    const { source } = await seedSmallTopology(h.dataSource);
    await seedInstrument(h.dataSource, 'chai', 'chai_lfa');
    await h.dataSource.getRepository(DataLocation).save({
      siteId: source.siteId,
      name: 'chai_computer',
      locationType: LocationType.SOURCE,
      storageType: StorageType.DISK,
      rootPath: '/tmp/ccat-test/ccat/chai_computer',
    });
    admin = await createToken(h.dataSource, [TokenScope.ADMIN], 'binding-admin');
    open = await createToken(h.dataSource, [TokenScope.INGEST], 'any-instrument');
    primecamOnly = await createToken(h.dataSource, [TokenScope.INGEST], 'primecam-ingest', {
      instruments: ['primecam'],
    });
    telescopeOnly = await createToken(h.dataSource, [TokenScope.INGEST], 'telescope-computer', {
      sources: ['ccat/telescope_computer'],
    });
  });
  afterAll(async () => {
    await h?.close();
    await ns?.cleanup();
  });

  it('lets a token bound to primecam start, register and finish for primecam', async () => {
    const unit = obsUnitStart();
    await as(primecamOnly).post('/executed-obs-units/start', unit).expect(201);
    const one = fileRegistration(unit.id);
    const bulk = [fileRegistration(unit.id), fileRegistration(unit.id)];
    await as(primecamOnly).post('/raw-data-files', one).expect(201);
    await as(primecamOnly).post('/raw-data-files/bulk', { files: bulk }).expect(200);
    await as(primecamOnly).put(`/executed-obs-units/${unit.id}/finish`, {}).expect(200);
    expect(await filesIn([one.id, ...bulk.map((f) => f.id)])).toBe(3);
  });

  it('refuses it anything of another instrument with a 403 that names the binding, and writes nothing', async () => {
    const chai = obsUnitStart({ instrument: 'chai' });
    const started = await as(primecamOnly).post('/executed-obs-units/start', chai).expect(403);
    expect(started.body.message).toBe(
      'token primecam-ingest is bound to instrument primecam; it may not register for instrument chai',
    );
    expect(started.body.details.binding).toEqual({
      token: 'primecam-ingest',
      instruments: ['primecam'],
      sources: null,
    });
    expect(await h.dataSource.query(`SELECT id FROM executed_obs_unit WHERE id = $1`, [chai.id])).toEqual([]);

    // A chai unit started by another token: the bound one can neither add files to it nor finish it.
    await as(open).post('/executed-obs-units/start', chai).expect(201);
    const primecam = obsUnitStart();
    await as(open).post('/executed-obs-units/start', primecam).expect(201);
    const mixed = [
      fileRegistration(primecam.id),
      fileRegistration(chai.id, { instrumentModule: 'chai_lfa' }),
    ];
    const bulk = await as(primecamOnly).post('/raw-data-files/bulk', { files: mixed }).expect(403);
    expect(bulk.body.message).toMatch(/may not register for files\[1\]\.executedObsUnitId: instrument chai$/);
    expect(await filesIn(mixed.map((f) => f.id))).toBe(0);
    await as(primecamOnly).post('/raw-data-files', mixed[1]).expect(403);
    const finish = await as(primecamOnly).put(`/executed-obs-units/${chai.id}/finish`, {}).expect(403);
    expect(finish.body.message).toMatch(/bound to instrument primecam/);
    const [unit] = await h.dataSource.query(`SELECT finished_at FROM executed_obs_unit WHERE id = $1`, [
      chai.id,
    ]);
    expect(unit.finished_at).toBeNull();
    // The unbound token still registers anything.
    await as(open).post('/raw-data-files', mixed[1]).expect(201);
  });

  it('holds a token bound to a source location to files there', async () => {
    const unit = obsUnitStart();
    await as(telescopeOnly).post('/executed-obs-units/start', unit).expect(201);
    const here = fileRegistration(unit.id);
    const there = fileRegistration(unit.id, { location: 'chai_computer' });
    const refused = await as(telescopeOnly)
      .post('/raw-data-files/bulk', { files: [here, there] })
      .expect(403);
    expect(refused.body.message).toBe(
      'token telescope-computer is bound to source ccat/telescope_computer; it may not register for files[1].location: source ccat/chai_computer',
    );
    expect(await filesIn([here.id, there.id])).toBe(0);
    await as(telescopeOnly).post('/raw-data-files', here).expect(201);
  });

  it('binds tokens through GraphQL, lists the binding, and refuses a binding that cannot hold', async () => {
    const made = await ok(
      `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { record { name instruments sources } } }`,
      {
        input: {
          name: 'chai-relay',
          scopes: ['INGEST'],
          instruments: ['chai'],
          sources: ['ccat/chai_computer'],
        },
      },
    );
    expect(made.createApiToken.record).toEqual({
      name: 'chai-relay',
      instruments: ['chai'],
      sources: ['ccat/chai_computer'],
    });
    const listed = (await ok('{ apiTokens { name instruments sources } }')).apiTokens;
    expect(listed).toContainEqual({ name: 'any-instrument', instruments: null, sources: null });

    const refusal = async (input: object) => {
      const res = await gql(
        `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token } }`,
        { input },
      );
      return res.errors?.[0]?.message;
    };
    expect(await refusal({ name: 'typo', scopes: ['INGEST'], instruments: ['primecan'] })).toBe(
      'cannot bind the token to what does not exist: instrument primecan',
    );
    expect(await refusal({ name: 'buffer', scopes: ['INGEST'], sources: ['ccat/buffer'] })).toBe(
      'cannot bind the token to what does not exist: source location ccat/buffer',
    );
    expect(await refusal({ name: 'bound-admin', scopes: ['ADMIN'], instruments: ['chai'] })).toMatch(
      /bind an ingest token/,
    );
    const [{ n }] = await h.dataSource.query(
      `SELECT count(*)::int AS n FROM api_token WHERE name IN ('typo', 'buffer', 'bound-admin')`,
    );
    expect(n).toBe(0);
  });
});
