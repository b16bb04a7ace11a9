import request from 'supertest';
import { TokenScope } from '../src/engine/auth/api-token.entity';
import { ApiTokenService } from '../src/engine/auth/api-token.service';
import { ApiHarness, startApi } from './support/api-app';
import { seedCatalogue } from './support/catalogue-fixture';
import { createToken, fileRegistration, obsUnitStart } from './support/factories';
import { fuzzBatches, fuzzSeed, KindCounter } from './support/fuzz/fuzz-run';
import { RestCase, RestFuzzContext } from './support/fuzz/rest-cases';
import { restCase } from './support/fuzz/rest-operator-cases';
import { applyDemoTopology, redisNamespace, RedisNamespace } from './support/processes';

const RUNS = Number(process.env.FUZZ_REST_RUNS ?? 300);
const BATCH = 20;
const BULK_MAX = 50;

/**
 * 6,000 generated bad requests against every ingest and operator endpoint of the real api app: each one
 * answered with a 4xx and a message that says what is wrong, none a 5xx, and not one row changed.
 */
describe('REST API under generated bad input (fast-check)', () => {
  let api: ApiHarness;
  let ns: RedisNamespace;
  let ctx: RestFuzzContext;
  const counter = new KindCounter();

  beforeAll(async () => {
    ns = redisNamespace();
    api = await startApi({
      ...ns.env,
      API_BODY_LIMIT: '1mb',
      BULK_MAX_FILES: String(BULK_MAX),
      // Thousands of bad tokens from one address: the failure limit would answer them all 429.
      AUTH_FAILURES_PER_MINUTE: '1000000',
    });
    applyDemoTopology(api.db.url);
    const catalogue = await seedCatalogue(api.dataSource, 20);
    const token = (scopes: TokenScope[]) => createToken(api.dataSource, scopes);
    const tokens = {
      ingest: await token([TokenScope.INGEST]),
      read: await token([TokenScope.READ]),
      admin: await token([TokenScope.ADMIN]),
      transfer: await token([TokenScope.TRANSFER]),
      revoked: await createToken(api.dataSource, [TokenScope.ADMIN], 'revoked'),
      expired: (
        await new ApiTokenService(api.dataSource.getRepository('ApiToken')).create(
          'expired',
          [TokenScope.ADMIN],
          { expiresAt: new Date(Date.now() - 60_000) },
        )
      ).token,
    };
    await api.dataSource.query(`UPDATE api_token SET revoked_at = now() WHERE name = 'revoked'`);
    const http = () => request(api.app.getHttpServer());
    const ingest = { Authorization: `Bearer ${tokens.ingest}` };
    const unit = obsUnitStart();
    const finished = obsUnitStart();
    const finishedAt = '2026-11-24T02:00:00.000Z';
    await http().post('/executed-obs-units/start').set(ingest).send(unit).expect(201);
    await http().post('/executed-obs-units/start').set(ingest).send(finished).expect(201);
    await http()
      .put(`/executed-obs-units/${finished.id}/finish`)
      .set(ingest)
      .send({ finishedAt })
      .expect(200);
    const registered = fileRegistration(unit.id);
    await http().post('/raw-data-files').set(ingest).send(registered).expect(201);
    ctx = {
      tokens,
      unitId: unit.id,
      finishedUnitId: finished.id,
      finishedAt,
      registered,
      packageIds: catalogue.packageIds,
      fileIds: catalogue.fileIds,
      bulkMax: BULK_MAX,
    };
  }, 60_000);

  afterAll(async () => {
    console.log(`fuzz-rest seed ${fuzzSeed()} (FUZZ_SEED to replay): ${counter.summary()}`);
    await api?.close();
    await ns?.cleanup();
  });

  async function send(c: RestCase): Promise<void> {
    const done = counter.start(c.kind);
    const http = request(api.app.getHttpServer());
    let req =
      c.method === 'GET' ? http.get(c.path) : c.method === 'PUT' ? http.put(c.path) : http.post(c.path);
    if (c.auth !== null) req = req.set('Authorization', c.auth);
    const res = c.raw
      ? await req.set('Content-Type', c.raw.type).send(c.raw.text)
      : c.body !== undefined
        ? await req.send(c.body as object)
        : await req;
    done();
    const message = (res.body as { message?: unknown })?.message;
    if (res.status < 400 || res.status >= 500 || typeof message !== 'string' || message.trim() === '') {
      const sent = JSON.stringify(c.raw ?? c.body ?? null).slice(0, 600);
      throw new Error(
        `${c.kind}: ${c.method} ${c.path} answered ${res.status} ${res.text.slice(0, 400)}\n  sent: ${sent}`,
      );
    }
  }

  it(`answers ${RUNS * BATCH} malformed requests with a 4xx and a message, changing no row`, async () => {
    const { fingerprintMs } = await fuzzBatches({
      ds: api.dataSource,
      arbitrary: restCase(ctx),
      runs: RUNS,
      batchSize: BATCH,
      send,
      describe: (c) =>
        `${c.kind} ${c.method} ${c.path} ${JSON.stringify(c.raw ?? c.body ?? '').slice(0, 300)}`,
    });
    console.log(`database fingerprints took ${Math.round(fingerprintMs)} ms in all`);
    expect(counter.total).toBeGreaterThanOrEqual(RUNS * BATCH);
    // Nothing a body said reached a prototype.
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as unknown as Record<string, unknown>).polluted).toBeUndefined();
  }, 600_000);
});
