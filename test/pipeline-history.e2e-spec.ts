import { TokenScope } from '../src/engine/auth/api-token.entity';
import { HistoryManager } from '../src/operations/history/history.manager';
import { PipelineHistoryService } from '../src/operations/history/pipeline-history.service';
import { ApiHarness, startApi } from './support/api-app';
import { seedCatalogue } from './support/catalogue-fixture';
import { createToken } from './support/factories';
import { codeOf, graphqlClient } from './support/graphql-client';
import { applyDemoTopology, redisNamespace, RedisNamespace } from './support/processes';

const HOUR = 3_600_000;
const HISTORY = `query($days: Int) { history(days: $days) {
  from hours { hour filesMadeSafe bytesMadeSafe backlogFiles backlogBytes }
  rate { filesPerHour bytesPerSecond windowSeconds } stalledSince stalled } }`;

/**
 * The hourly rollup behind the console's charts, on real PostgreSQL: the managers' samples, what was made
 * safe per hour (by the one definition of safe), the backlog, the rate, the "stalled since" marker, and
 * the GraphQL query the page reads.
 */
describe('pipeline history (pipeline_hour, the history query)', () => {
  let api: ApiHarness;
  let ns: RedisNamespace;
  let history: PipelineHistoryService;
  let manager: HistoryManager;
  let token = '';

  beforeAll(async () => {
    ns = redisNamespace();
    api = await startApi({ ...ns.env });
    applyDemoTopology(api.db.url);
    token = await createToken(api.dataSource, [TokenScope.READ], 'chart-reader');
    // The api app's own: the service the history query reads, and the manager that samples into it
    // (DELETION_MIN_LTA_SITES at its default, 2).
    history = api.app.get(PipelineHistoryService);
    manager = api.app.get(HistoryManager);
  }, 60_000);

  afterAll(async () => {
    await api?.close();
    await ns?.cleanup();
  });

  const { gql, ok } = graphqlClient({ getHttpServer: () => api.app.getHttpServer() } as never, () => token);
  const latestHour = async () => (await history.history(1)).hours.at(-1)!;

  it('on a fresh database: a week of empty hours, then a first sample with nothing to show', async () => {
    const empty = await ok(HISTORY, { days: 7 });
    expect(empty.history.hours).toHaveLength(168);
    expect(empty.history.hours.every((h: { backlogFiles: null }) => h.backlogFiles === null)).toBe(true);
    expect(empty.history.rate).toBeNull();
    expect(empty.history.stalledSince).toBeNull();
    // The hours run up to the current one, on hour boundaries.
    const last = new Date(empty.history.hours.at(-1).hour).getTime();
    expect(last % HOUR).toBe(0);
    expect(Date.now() - last).toBeLessThan(HOUR);

    await manager.runCycle();
    expect(await latestHour()).toMatchObject({
      filesMadeSafe: 0,
      bytesMadeSafe: 0,
      backlogFiles: 0,
      backlogBytes: 0,
    });
  });

  it('counts what became safe since the hour began, by the one definition: archived at two sites', async () => {
    // 40 files in 4 packages archived at cologne and us; then one package loses its us copy (one site
    // left: not safe) and 10 more files arrive in no package yet.
    const catalogue = await seedCatalogue(api.dataSource, 40);
    await api.dataSource.query(`UPDATE raw_data_package SET lta_site_count = 1 WHERE id = $1`, [
      catalogue.packageIds[0],
    ]);
    await api.dataSource.query(
      `INSERT INTO raw_data_file (id, relative_path, size, sha256, executed_obs_unit_id, instrument_module_id, source_location_id)
       SELECT gen_random_uuid(), 'primecam/later/f' || n || '.fits', 1000, repeat('d', 64), f.executed_obs_unit_id, f.instrument_module_id,
              f.source_location_id
         FROM generate_series(1, 10) n, (SELECT * FROM raw_data_file LIMIT 1) f`,
    );
    await manager.runCycle();
    expect(await latestHour()).toMatchObject({
      filesMadeSafe: 30,
      bytesMadeSafe: 30 * 1000,
      backlogFiles: 20,
      backlogBytes: 20 * 1000,
    });
    // The package is archived at its second site again: made safe in this hour too, the backlog shrinks.
    await api.dataSource.query(`UPDATE raw_data_package SET lta_site_count = 2 WHERE id = $1`, [
      catalogue.packageIds[0],
    ]);
    await manager.runCycle();
    expect(await latestHour()).toMatchObject({ filesMadeSafe: 40, backlogFiles: 10 });
  });

  it('starts each hour from the last sample of the hour before, and gives the rate over that span', async () => {
    // The current hour's samples move to the previous hour, as if the clock had turned: the next sample
    // opens a new hour whose base is that row.
    await api.dataSource.query(
      `UPDATE pipeline_hour SET hour = hour - interval '1 hour', sampled_at = sampled_at - interval '30 minutes',
              base_at = base_at - interval '60 minutes'`,
    );
    await manager.runCycle();
    const { hours, rate } = await history.history(1);
    expect(hours.at(-2)).toMatchObject({ filesMadeSafe: 40, backlogFiles: 10 });
    expect(hours.at(-1)).toMatchObject({ filesMadeSafe: 0, backlogFiles: 10 });
    // 40 files from the previous hour's base (about 60 min ago) to now.
    expect(rate!.windowSeconds).toBeGreaterThanOrEqual(3600);
    expect(rate!.windowSeconds).toBeLessThan(3700);
    // (windowSeconds is rounded to the second; the rate is not: within 0.1%.)
    const near = (got: number, want: number) => expect(Math.abs(got - want) / want).toBeLessThan(0.001);
    near(rate!.filesPerHour, (40 * 3600) / rate!.windowSeconds);
    near(rate!.bytesPerSecond, (40 * 1000) / rate!.windowSeconds);
    // A sample in the same hour replaces the last one; the hour's base stays.
    await manager.runCycle();
    const [{ rows }] = await api.dataSource.query(`SELECT count(*)::int AS rows FROM pipeline_hour`);
    expect(rows).toBe(2);
  });

  it('marks "stalled since" when a stage has had open work that did not move, and completed nothing, for over an hour', async () => {
    const buffer = `(SELECT l.id FROM data_location l JOIN site s ON s.id = l.site_id
                      WHERE s.short_name = 'cologne' AND l.name = 'buffer')`;
    const bundle = (name: string, status: string, age: string) =>
      api.dataSource.query(
        `INSERT INTO data_transfer_package (name, relative_path, origin_location_id, status, sha256, updated_at)
         VALUES ($1, $1 || '.tar', ${buffer}, $2, repeat('c', 64), now() - $3::interval)`,
        [name, status, age],
      );
    await bundle('recent', 'pending', '20 minutes');
    expect((await history.history(7)).stalledSince).toBeNull();
    await api.dataSource.query(`UPDATE data_transfer_package SET updated_at = now() - interval '90 minutes'`);
    const stalled = await ok(HISTORY, { days: 7 });
    const since = new Date(stalled.history.stalledSince).getTime();
    expect(Math.abs(Date.now() - 90 * 60_000 - since)).toBeLessThan(60_000);
    expect(stalled.history.stalled).toEqual(['bundle at cologne']);
  });

  it('refuses a span it does not keep, with a message that says what is allowed', async () => {
    for (const days of [0, 36]) {
      const body = await gql(HISTORY, { days });
      expect(codeOf(body)).toBe('BAD_USER_INPUT');
      expect(body.errors?.[0].message).toBe(`days must be between 1 and 35 (the hours kept), not ${days}`);
    }
  });
});
