import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { TokenScope } from '../src/engine/auth/api-token.entity';
import { ApiHarness, startApi } from './support/api-app';
import { createToken, seedSmallTopology } from './support/factories';
import { redisNamespace, RedisNamespace } from './support/processes';

/**
 * Tried from outside, as a stranger would: what the api parses, counts, shows and answers before a valid
 * token is presented (real PostgreSQL and Redis). Each case comes from its own client address (the api
 * trusts X-Forwarded-For here, TRUST_PROXY), so the failure limit of one does not touch the others.
 */
describe('security: what a caller without a valid token can make the api do (real PostgreSQL, Redis)', () => {
  let h: ApiHarness;
  let ns: RedisNamespace;
  let reader: string;
  let ingest: string;
  let client = 0;
  /** A request from a client address of its own, to the api (or to `app`, another api process). */
  const from = (app: INestApplication = h.app) => {
    const ip = `203.0.113.${++client}`;
    const http = request(app.getHttpServer());
    return {
      ip,
      get: (path: string) => http.get(path).set('X-Forwarded-For', ip),
      post: (path: string) => http.post(path).set('X-Forwarded-For', ip),
      delete: (path: string) => http.delete(path).set('X-Forwarded-For', ip),
    };
  };

  beforeAll(async () => {
    ns = redisNamespace();
    h = await startApi({
      ...ns.env,
      TRUST_PROXY: 'loopback',
      AUTH_FAILURES_PER_MINUTE: '5',
      API_BODY_LIMIT: '256kb',
      API_BULK_BODY_LIMIT: '20mb',
      METRICS_CACHE: '5s',
    });
    await seedSmallTopology(h.dataSource);
    reader = await createToken(h.dataSource, [TokenScope.READ]);
    ingest = await createToken(h.dataSource, [TokenScope.INGEST]);
  });
  afterAll(async () => {
    await h?.close();
    await ns?.cleanup();
  });

  const twoMegabytes = JSON.stringify({ files: [{ padding: 'x'.repeat(2 * 1024 * 1024) }] });

  it.each<[string, string, Record<string, string>, number, RegExp]>([
    ['the bulk route without a token', '/raw-data-files/bulk', {}, 401, /Bearer <token> header required/],
    [
      'the bulk route with a made-up token',
      '/raw-data-files/bulk',
      { Authorization: `Bearer ccat_${'0'.repeat(12)}_${'A'.repeat(43)}` },
      401,
      /invalid, revoked or expired token/,
    ],
    ['any other route, whatever its token', '/raw-data-files', {}, 413, /larger than the 256kb limit/],
  ])('refuses 2 MB to %s before parsing it', async (_what, path, headers, status, message) => {
    const res = await from()
      .post(path)
      .set({ 'Content-Type': 'application/json', ...headers })
      .send(twoMegabytes);
    expect(res.status).toBe(status);
    expect(res.body.message).toMatch(message);
  });

  it('reads a large bulk body once its ingest token is accepted (its content is then judged)', async () => {
    const res = await from()
      .post('/raw-data-files/bulk')
      .set({ 'Content-Type': 'application/json', Authorization: `Bearer ${ingest}` })
      .send(twoMegabytes);
    expect(res.status).toBe(400);
    expect(res.body.message).not.toMatch(/limit/);
  });

  it('answers 429 to an address past AUTH_FAILURES_PER_MINUTE failed authentications, even with a good token, and no other address', async () => {
    const ip = from();
    for (let i = 0; i < 5; i++)
      await ip
        .get('/raw-data-files/00000000-0000-4000-8000-000000000000')
        .set('Authorization', `Bearer ccat_${String(i).padStart(12, '0')}_${'B'.repeat(43)}`)
        .expect(401);
    const limited = await ip.get('/health/ready').set('Authorization', `Bearer ${reader}`);
    expect(limited.body.info?.disk).toEqual({ status: 'up' });
    const refused = await ip
      .get('/raw-data-files/00000000-0000-4000-8000-000000000000')
      .set('Authorization', `Bearer ${reader}`)
      .expect(429);
    expect(refused.body.message).toMatch(
      /too many failed authentications from 203\.0\.113\.\d+ \(5 in the last minute\)/,
    );
    await from()
      .get('/raw-data-files/00000000-0000-4000-8000-000000000000')
      .set('Authorization', `Bearer ${reader}`)
      .expect(404);
  });

  it('spends one budget of failed authentications across api processes on one Redis, and keeps no key past its minute', async () => {
    const second = await h.another();
    const madeUp = (i: number) => `Bearer ccat_${String(i).padStart(12, '7')}_${'C'.repeat(43)}`;
    const one = from();
    // The same address at the second api: the X-Forwarded-For header is what names it.
    const sameAtSecond = (path: string) =>
      request(second.getHttpServer()).get(path).set('X-Forwarded-For', one.ip);
    const path = '/raw-data-files/00000000-0000-4000-8000-000000000000';
    for (let i = 0; i < 3; i++) await one.get(path).set('Authorization', madeUp(i)).expect(401);
    for (let i = 3; i < 5; i++) await sameAtSecond(path).set('Authorization', madeUp(i)).expect(401);
    // Five in all, three here and two there: both refuse it now, before looking at its token.
    for (const refused of [
      await one.get(path).set('Authorization', `Bearer ${reader}`),
      await sameAtSecond(path).set('Authorization', `Bearer ${reader}`),
    ]) {
      expect(refused.status).toBe(429);
      expect(refused.body.message).toMatch(/\(5 in the last minute\); try again in \d+ s/);
    }
    const ttl = await ns.redis.pttl(`${ns.env.REDIS_KEY_PREFIX}auth_failures:${one.ip}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
    // Another address is untouched, at either api.
    await from(second).get(path).set('Authorization', madeUp(9)).expect(401);
    await from(second).get(path).set('Authorization', `Bearer ${reader}`).expect(404);
  });

  it('shows /health statuses to anyone and the details (paths) only to a read token; /health/live asks nothing', async () => {
    const anonymous = await from().get('/health').expect(200);
    expect(anonymous.body.info).toEqual({
      database: { status: 'up' },
      redis: { status: 'up' },
      disk: { status: 'up' },
    });
    expect(JSON.stringify(anonymous.body)).not.toMatch(/path|\/tmp|latency/);
    const ready = await from().get('/health/ready').expect(200);
    expect(ready.body).toEqual(anonymous.body);
    const detailed = await from().get('/health/ready').set('Authorization', `Bearer ${reader}`).expect(200);
    expect(detailed.body.info.database).toMatchObject({ status: 'up', latencyMs: expect.any(Number) });
    await from().get('/health/live').expect(200, { status: 'ok' });
  });

  it('makes one set of database reads for 100 concurrent scrapes of /metrics', async () => {
    const ds = h.app.get(DataSource);
    const transaction = jest.spyOn(ds, 'transaction');
    try {
      const scrapes = await Promise.all(Array.from({ length: 100 }, () => from().get('/metrics')));
      expect(scrapes.every((s) => s.status === 200)).toBe(true);
      expect(scrapes[99].text).toMatch(
        /ccat_metrics_collector_up\{collector="oldest_unsafe",role="process"\} 1/,
      );
      // One bounded read each for disk usage, the oldest unsafe file and stalled work.
      expect(transaction.mock.calls.length).toBeLessThanOrEqual(3);
      await Promise.all(Array.from({ length: 20 }, () => from().get('/metrics')));
      expect(transaction.mock.calls.length).toBeLessThanOrEqual(3);
    } finally {
      transaction.mockRestore();
    }
  });

  it('answers GraphQL introspection and the OpenAPI document only to a read token', async () => {
    const introspect = { query: '{ __schema { queryType { name } } }' };
    const refused = await from().post('/graphql').send(introspect);
    expect(refused.body.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/^introspection needs a read token/),
      extensions: { code: 'UNAUTHENTICATED' },
    });
    expect(refused.body.data ?? null).toBeNull();
    const typed = await from().post('/graphql').send({ query: '{ __type(name: "Query") { name } }' });
    expect(typed.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const allowed = await from()
      .post('/graphql')
      .set('Authorization', `Bearer ${reader}`)
      .send(introspect)
      .expect(200);
    expect(allowed.body.data.__schema.queryType.name).toBe('Query');
    await from().get('/api/docs-json').expect(401);
    await from().get('/api/docs').expect(401);
    await from().get('/api/docs-json').set('Authorization', `Bearer ${reader}`).expect(200);
  });

  it('signs /admin in with a server-side session: an HttpOnly, SameSite=Strict, Secure cookie that holds no token, ended by sign-out and by revoking the token', async () => {
    const admin = await createToken(h.dataSource, [TokenScope.ADMIN], `session-admin-${Date.now()}`);
    const signIn = await from().post('/admin/session').send({ token: admin }).expect(200);
    expect(signIn.body).toEqual({ name: expect.stringMatching(/^session-admin-/), scopes: ['admin'] });
    const [cookie] = signIn.headers['set-cookie'] as unknown as string[];
    expect(cookie).toMatch(/^ccat_admin_session=[A-Za-z0-9_-]{43};/);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Strict/);
    expect(cookie).toMatch(/; Secure/);
    expect(cookie).toMatch(/; Max-Age=604800/);
    expect(cookie).not.toContain(admin);
    const session = cookie.split(';')[0];
    // Only the secret's hash is kept.
    const [row] = await h.dataSource.query(
      `SELECT secret_hash FROM admin_session ORDER BY created_at DESC LIMIT 1`,
    );
    expect(session).not.toContain(row.secret_hash);
    const overview = { query: '{ deletionSwitch { paused } }' };
    await from().post('/graphql').set('Cookie', session).send(overview).expect(200);
    await from().get('/admin/session').set('Cookie', session).expect(200);
    await from().delete('/admin/session').set('Cookie', session).expect(204);
    expect(
      (await from().post('/graphql').set('Cookie', session).send(overview)).body.errors?.[0]?.extensions
        ?.code,
    ).toBe('UNAUTHENTICATED');
    // A second session ends when its token is revoked.
    const again = (await from().post('/admin/session').send({ token: admin }).expect(200)).headers[
      'set-cookie'
    ] as unknown as string[];
    const second = again[0].split(';')[0];
    await from().get('/admin/session').set('Cookie', second).expect(200);
    await h.dataSource.query(`UPDATE api_token SET revoked_at = now() WHERE name LIKE 'session-admin-%'`);
    await from().get('/admin/session').set('Cookie', second).expect(401);
    // An ingest token cannot sign in to the console.
    await from().post('/admin/session').send({ token: ingest }).expect(403);
  });
});
