import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TokenScope } from '../src/engine/auth/api-token.entity';
import { ApiHarness, startApi } from './support/api-app';
import {
  createToken,
  fileRegistration,
  obsUnitStart,
  seedInstrument,
  seedSmallTopology,
} from './support/factories';
import { waitFor } from './support/processes';
import { SiteRelayProcess, startSiteRelay } from './support/site-relay';

/** The site relay against the real central API: validation, dead letters, and what it reports. */
describe('the site relay (real central API and PostgreSQL)', () => {
  let central: ApiHarness;
  let centralUrl: string;
  let relay: SiteRelayProcess;
  let dir: string;
  let token: string;

  beforeAll(async () => {
    central = await startApi();
    await seedSmallTopology(central.dataSource);
    await seedInstrument(central.dataSource, 'chai', 'chai_lfa');
    // As operations.md says to make it: ingest only, bound to the instruments behind this relay.
    token = await createToken(central.dataSource, [TokenScope.INGEST], 'site-relay', {
      instruments: ['primecam'],
    });
    await central.app.listen(0, '127.0.0.1');
    centralUrl = `http://127.0.0.1:${(central.app.getHttpServer().address() as { port: number }).port}`;
    dir = mkdtempSync(join(tmpdir(), 'site-relay-'));
    relay = await startSiteRelay({
      SITE_RELAY_DIR: dir,
      SITE_RELAY_CENTRAL_URL: centralUrl,
      SITE_RELAY_TOKEN: token,
    });
  }, 150_000);

  afterAll(async () => {
    await relay?.stop();
    await central?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const call = async (base: string, method: string, path: string, body: unknown, bearer = token) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('refuses bad input with the central API’s own status and message, and journals none of it', async () => {
    const unit = obsUnitStart();
    const bad: [string, string, unknown][] = [
      ['POST', '/executed-obs-units/start', { ...unit, id: 'not-a-uuid', startedAt: 'yesterday' }],
      ['POST', '/executed-obs-units/start', { ...unit, extra: 1 }],
      ['POST', '/executed-obs-units/start', { ...unit, priority: 'urgent' }],
      [
        'POST',
        '/raw-data-files',
        fileRegistration(unit.id, { size: -1, sha256: 'xyz', path: '../etc/passwd' }),
      ],
      ['POST', '/raw-data-files/bulk', { files: [] }],
      ['POST', '/raw-data-files/bulk', { files: [fileRegistration(unit.id), { id: 3 }] }],
      ['PUT', '/executed-obs-units/not-a-uuid/finish', {}],
      ['PUT', `/executed-obs-units/${unit.id}/finish`, { finishedAt: 'soon' }],
      ['POST', '/raw-data-files', '[1,2]'],
    ];
    for (const [method, path, body] of bad) {
      const there = await call(centralUrl, method, path, body);
      const here = await call(relay.url, method, path, body);
      expect([path, here.status, here.body.message]).toEqual([path, there.status, there.body.message]);
      expect(here.status).toBe(400);
    }
    expect(
      (await call(relay.url, 'POST', '/raw-data-files', fileRegistration(unit.id), 'wrong-token')).status,
    ).toBe(401);
    expect((await relay.status()).journaled).toBe(0);
  });

  it('dead-letters what the central API refuses, says so loudly, and delivers the rest in order', async () => {
    // Urgent: the relay forwards the start as the instrument sent it, its priority included.
    const good = obsUnitStart({ priority: 'high' });
    const unknown = obsUnitStart({ instrument: 'no_such_instrument' });
    const files = [fileRegistration(good.id), fileRegistration(good.id)];
    const answers = [
      await call(relay.url, 'POST', '/executed-obs-units/start', unknown),
      await call(relay.url, 'POST', '/executed-obs-units/start', good),
      await call(relay.url, 'POST', '/raw-data-files/bulk', { files }),
      await call(relay.url, 'POST', '/raw-data-files', fileRegistration(unknown.id)),
      await call(relay.url, 'PUT', `/executed-obs-units/${good.id}/finish`, { outcome: 'success' }),
      // A repeated finish without a time is the one already journaled.
      await call(relay.url, 'PUT', `/executed-obs-units/${good.id}/finish`, {}),
    ];
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202, 202, 202]);
    expect(answers.map((a) => a.body.seq)).toEqual([1, 2, 3, 4, 5, 5]);
    await waitFor('delivery', async () => (await relay.status()).depth === 0, 30_000);

    const status = await relay.status();
    expect(status).toMatchObject({ journaled: 5, delivered: 5, deadLetters: 2, linkUp: true });
    expect(status.recentDeadLetters.map((d) => [d.seq, d.status])).toEqual([
      [1, 400],
      [4, 400],
    ]);
    expect(status.recentDeadLetters[0].message).toMatch(/unknown instrument no_such_instrument/);
    const letters = readFileSync(join(dir, 'dead-letters.jsonl'), 'utf8').split('\n').filter(Boolean);
    expect(letters.map((l) => JSON.parse(l).entry.body.id)).toEqual([unknown.id, expect.any(String)]);
    expect(relay.output()).toMatch(/DEAD LETTER: entry 1 \(obs-unit.start\)/);

    const health = await fetch(`${relay.url}/health`);
    expect(health.status).toBe(503);
    const metrics = await (await fetch(`${relay.url}/metrics`)).text();
    expect(metrics).toMatch(/ccat_site_relay_dead_letters\{[^}]*\} 2\b/);
    expect(metrics).toMatch(/ccat_site_relay_journal_depth\{[^}]*\} 0\b/);

    // What was not refused arrived, and each instrument can ask the relay what became of its registration.
    const [unit] = await central.dataSource.query(
      `SELECT finished_at, priority FROM executed_obs_unit WHERE id = $1`,
      [good.id],
    );
    expect(unit.priority).toBe('high');
    // The same instant; the timestamp's trip through PostgreSQL (microseconds) may round it by 1 ms.
    expect(
      Math.abs(unit.finished_at.getTime() - Date.parse(String(answers[4].body.acceptedAt))),
    ).toBeLessThanOrEqual(1);
    const [{ n }] = await central.dataSource.query(
      `SELECT count(*)::int AS n FROM raw_data_file WHERE id = ANY($1)`,
      [files.map((f) => f.id)],
    );
    expect(n).toBe(2);
    const asked = await fetch(`${relay.url}/raw-data-files/${files[0].id}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(await asked.json()).toMatchObject({ seq: 3, state: 'delivered' });
    const refused = await fetch(`${relay.url}/executed-obs-units/${unknown.id}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(await refused.json()).toMatchObject({
      seq: 1,
      state: 'dead-letter',
      refusal: expect.stringMatching(/^400: /),
    });
  });

  it('dead-letters a registration outside its token’s binding (403 naming it) and delivers the next', async () => {
    const before = (await relay.status()).deadLetters;
    const elsewhere = obsUnitStart({ instrument: 'chai' });
    const next = obsUnitStart();
    expect((await call(relay.url, 'POST', '/executed-obs-units/start', elsewhere)).status).toBe(202);
    expect((await call(relay.url, 'POST', '/executed-obs-units/start', next)).status).toBe(202);
    await waitFor('delivery', async () => (await relay.status()).depth === 0, 30_000);

    const status = await relay.status();
    expect(status.deadLetters).toBe(before + 1);
    expect(status.recentDeadLetters.at(-1)).toMatchObject({
      status: 403,
      message: expect.stringMatching(/token site-relay is bound to instrument primecam; .*instrument chai/),
    });
    const units = await central.dataSource.query(`SELECT id FROM executed_obs_unit WHERE id = ANY($1)`, [
      [elsewhere.id, next.id],
    ]);
    expect(units).toEqual([{ id: next.id }]);
  });
});
