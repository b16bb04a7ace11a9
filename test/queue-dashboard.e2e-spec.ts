import request from 'supertest';
import { App } from 'supertest/types';
import { TokenScope } from '../src/engine/auth/api-token.entity';
import { DataLocation } from '../src/catalog/locations/data-location.entity';
import { LocationType, StorageType } from '../src/catalog/locations/location-type';
import { QueueDiscoveryService } from '../src/engine/queues/queue-discovery.service';
import { TaskQueueService } from '../src/engine/queues/task-queue.service';
import { Site } from '../src/catalog/sites/site.entity';
import { ApiHarness, startApi } from './support/api-app';
import { createToken } from './support/factories';
import { applyDemoTopology, redisNamespace, RedisNamespace } from './support/processes';

interface BoardQueue {
  name: string;
  counts: Record<string, number>;
  readOnlyMode: boolean;
}

describe('Bull Board at /admin/queues', () => {
  let api: ApiHarness;
  let ns: RedisNamespace;
  let server: App;
  let admin: string;
  let ingest: string;

  const boardQueues = async (): Promise<BoardQueue[]> => {
    const res = await request(server).get('/admin/queues/api/queues').set('Authorization', `Bearer ${admin}`);
    expect(res.status).toBe(200);
    return (res.body as { queues: BoardQueue[] }).queues;
  };
  const boardQueueNames = async () => (await boardQueues()).map((q) => q.name).sort();

  beforeAll(async () => {
    ns = redisNamespace();
    api = await startApi(ns.env);
    server = api.app.getHttpServer() as App;
    applyDemoTopology(api.db.url);
    admin = await createToken(api.dataSource, [TokenScope.ADMIN]);
    ingest = await createToken(api.dataSource, [TokenScope.INGEST]);
  });
  /** Signs in on /admin with `token`; the session cookie (name=value) the answer sets. */
  const sessionOf = async (token: string): Promise<string> => {
    const res = await request(server).post('/admin/session').send({ token }).expect(200);
    return String(res.headers['set-cookie']).split(';')[0];
  };

  afterAll(async () => {
    await api.close();
    await ns.cleanup();
  });

  it('refuses a request without a token, naming both ways to present one', async () => {
    const res = await request(server).get('/admin/queues');
    expect(res.status).toBe(401);
    expect(res.body.message).toMatch(/Authorization: Bearer <token>.*sign in on \/admin/);
    expect((await request(server).get('/admin/queues/api/queues')).status).toBe(401);
  });

  it('refuses an unknown token, in the header or in the cookie, and a malformed header', async () => {
    const bad = 'ccat_000000000000_' + 'A'.repeat(43);
    const header = await request(server).get('/admin/queues').set('Authorization', `Bearer ${bad}`);
    expect(header.status).toBe(401);
    expect(header.body.message).toMatch(/invalid, revoked or expired/);
    // A token in a cookie is not a session: only a secret handed out at sign-in is.
    const cookie = await request(server).get('/admin/queues').set('Cookie', `ccat_admin_session=${bad}`);
    expect(cookie.status).toBe(401);
    expect(cookie.body.message).toMatch(/the \/admin session has ended/);
    const basic = await request(server).get('/admin/queues').set('Authorization', 'Basic YTpi');
    expect(basic.status).toBe(401);
    expect(basic.body.message).toMatch(/Bearer <token>/);
  });

  it('forbids a valid token without the admin scope', async () => {
    const res = await request(server).get('/admin/queues').set('Authorization', `Bearer ${ingest}`);
    expect(res.status).toBe(403);
    expect(res.body.message).toMatch(/lacks the admin scope/);
    const viaCookie = await request(server)
      .get('/admin/queues/api/queues')
      .set('Cookie', await sessionOf(await createToken(api.dataSource, [TokenScope.READ])));
    expect(viaCookie.status).toBe(403);
  });

  it('serves the board page to an admin token in the header or to an admin /admin session', async () => {
    for (const credential of [
      { Authorization: `Bearer ${admin}` },
      { Cookie: `theme=dark; ${await sessionOf(admin)}` },
    ]) {
      const res = await request(server).get('/admin/queues').set(credential);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      // The page loads its scripts relative to the mount point, where the same credentials reach them.
      expect(res.text).toContain('<base href="/admin/queues/"');
      const script = /src="(static\/js\/main\.[^"]+\.js)"/.exec(res.text)?.[1];
      const asset = await request(server).get(`/admin/queues/${script}`).set(credential);
      expect(asset.status).toBe(200);
      expect(asset.headers['content-type']).toMatch(/javascript/);
    }
  });

  it("lists exactly the topology's queues and the managers' queue, read-only, with counts from our prefix", async () => {
    const discovered = await api.app.get(QueueDiscoveryService).discoverAll();
    expect(discovered.length).toBeGreaterThan(20);
    expect(await boardQueueNames()).toEqual([...discovered.map((q) => q.name), 'managers'].sort());

    const target = 'cologne_buffer_data_transfer';
    await api.app
      .get(TaskQueueService)
      .queue(target)
      .add('probe', { probe: true } as never);
    const queue = (await boardQueues()).find((q) => q.name === target);
    expect(queue?.counts.waiting).toBe(1);
    expect(queue?.readOnlyMode).toBe(true);
  });

  it('shows a location added after start-up, and drops one deactivated, without a restart', async () => {
    const us = await api.dataSource.getRepository(Site).findOneByOrFail({ shortName: 'us' });
    const locations = api.dataSource.getRepository(DataLocation);
    await locations.save({
      siteId: us.id,
      name: 'buffer_two',
      locationType: LocationType.BUFFER,
      storageType: StorageType.DISK,
      rootPath: '/tmp/ccat-test/us/buffer_two',
      priority: 2,
    });
    expect(await boardQueueNames()).toContain('us_buffer_two_data_transfer');

    await locations.update({ siteId: us.id, name: 'buffer_two' }, { active: false });
    expect((await boardQueueNames()).some((n) => n.startsWith('us_buffer_two_'))).toBe(false);
  });

  it('does not let even an admin change jobs through the board', async () => {
    const res = await request(server)
      .put('/admin/queues/api/queues/cologne_buffer_data_transfer/empty')
      .set('Authorization', `Bearer ${admin}`);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    const queue = (await boardQueues()).find((q) => q.name === 'cologne_buffer_data_transfer');
    expect(queue?.counts.waiting).toBe(1);
  });
});
