import request from 'supertest';
import { TokenScope } from '../src/engine/auth/api-token.entity';
import { ApiHarness, startApi } from './support/api-app';
import { seedCatalogue } from './support/catalogue-fixture';
import { createToken } from './support/factories';
import { fuzzBatches, fuzzSeed, KindCounter } from './support/fuzz/fuzz-run';
import { GqlCase, GqlFuzzContext, graphqlCase } from './support/fuzz/graphql-cases';
import { GqlBody } from './support/graphql-client';
import { applyDemoTopology, redisNamespace, RedisNamespace } from './support/processes';

const RUNS = Number(process.env.FUZZ_GRAPHQL_RUNS ?? 200);
const BATCH = 20;

/** Codes of errors that are the client's fault: what a 4xx would be over REST. */
const CLIENT_CODES = new Set([
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'OPERATION_RESOLUTION_FAILURE',
  'NOT_FOUND',
  'CONFLICT',
  'UNAUTHENTICATED',
  'FORBIDDEN',
]);

/**
 * 4,000 generated bad GraphQL requests against the real api app: each answered with errors whose code is
 * the client's (never INTERNAL_SERVER_ERROR) and a message, never a 5xx, and not one row changed.
 */
describe('GraphQL API under generated bad input (fast-check)', () => {
  let api: ApiHarness;
  let ns: RedisNamespace;
  let ctx: GqlFuzzContext;
  const counter = new KindCounter();

  beforeAll(async () => {
    ns = redisNamespace();
    // Thousands of bad tokens from one address: the failure limit would answer them all 429.
    api = await startApi({ ...ns.env, API_BODY_LIMIT: '1mb', AUTH_FAILURES_PER_MINUTE: '1000000' });
    applyDemoTopology(api.db.url);
    const catalogue = await seedCatalogue(api.dataSource, 20);
    const token = (scope: TokenScope) => createToken(api.dataSource, [scope]);
    ctx = {
      tokens: {
        admin: await token(TokenScope.ADMIN),
        read: await token(TokenScope.READ),
        ingest: await token(TokenScope.INGEST),
        transfer: await token(TokenScope.TRANSFER),
      },
      packageIds: catalogue.packageIds,
      fileIds: catalogue.fileIds,
      siteName: 'cologne',
    };
  }, 60_000);

  afterAll(async () => {
    console.log(`fuzz-graphql seed ${fuzzSeed()} (FUZZ_SEED to replay): ${counter.summary()}`);
    await api?.close();
    await ns?.cleanup();
  });

  async function send(c: GqlCase): Promise<void> {
    const done = counter.start(c.kind);
    let req = request(api.app.getHttpServer()).post('/graphql');
    if (c.token) req = req.set('Authorization', `Bearer ${c.token}`);
    const res = c.raw
      ? await req.set('Content-Type', c.raw.type).send(c.raw.text)
      : await req.send(c.body as object);
    done();
    const fail = (why: string) => {
      const sent = JSON.stringify(c.raw ?? c.body).slice(0, 500);
      throw new Error(`${c.kind}: ${why}: ${res.status} ${res.text.slice(0, 500)}\n  sent: ${sent}`);
    };
    if (res.status >= 500) fail('a server error');
    const body = res.body as GqlBody & { message?: unknown };
    if (!body.errors) {
      // Refused before GraphQL (malformed JSON, wrong content type): the REST error shape.
      if (res.status < 400 || typeof body.message !== 'string' || !body.message)
        fail('neither errors nor a 4xx');
      return;
    }
    if (body.errors.length === 0) fail('an empty error list');
    for (const e of body.errors) {
      if (!e.message?.trim()) fail('an error without a message');
      const code = e.extensions?.code;
      if (!code || !CLIENT_CODES.has(code)) fail(`an error coded ${code}`);
    }
  }

  it(`answers ${RUNS * BATCH} malformed GraphQL requests with client errors, changing no row`, async () => {
    const { fingerprintMs } = await fuzzBatches({
      ds: api.dataSource,
      arbitrary: graphqlCase(ctx),
      runs: RUNS,
      batchSize: BATCH,
      send,
      describe: (c) => `${c.kind} ${JSON.stringify(c.raw ?? c.body).slice(0, 300)}`,
    });
    console.log(`database fingerprints took ${Math.round(fingerprintMs)} ms in all`);
    expect(counter.total).toBeGreaterThanOrEqual(RUNS * BATCH);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  }, 600_000);
});
