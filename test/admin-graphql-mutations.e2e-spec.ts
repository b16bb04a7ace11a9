import { TokenScope } from '../src/engine/auth/api-token.entity';
import { ApiHarness, startApi } from './support/api-app';
import { Catalogue, seedCatalogue } from './support/catalogue-fixture';
import { createToken } from './support/factories';
import { codeOf, graphqlClient } from './support/graphql-client';
import { applyDemoTopology, redisNamespace, RedisNamespace } from './support/processes';
import { insertCcatBundle } from './support/transfer-manager-harness';

/** Every mutation of the admin console on the real api app, with what it refuses and what it leaves alone. */
describe('admin GraphQL mutations', () => {
  let api: ApiHarness;
  let ns: RedisNamespace;
  let catalogue: Catalogue;
  let admin = '';
  const { gql, ok } = graphqlClient({ getHttpServer: () => api.app.getHttpServer() } as never, () => admin);
  const one = async (sql: string, params: unknown[] = []) => (await api.dataSource.query(sql, params))[0];
  const queueNames = async () =>
    ((await ok('{ queueCounts { name } }')).queueCounts as { name: string }[]).map((q) => q.name);

  beforeAll(async () => {
    ns = redisNamespace();
    api = await startApi({ ...ns.env });
    applyDemoTopology(api.db.url);
    admin = await createToken(api.dataSource, [TokenScope.ADMIN], 'console-admin');
    catalogue = await seedCatalogue(api.dataSource, 20);
  }, 60_000);

  afterAll(async () => {
    await api?.close();
    await ns?.cleanup();
  });

  it('creates a site and its location, changes, deactivates and activates them; queues follow', async () => {
    const site = await ok(
      `mutation { createSite(input: { name: "Tokyo Archive", shortName: "tokyo" }) { id shortName } }`,
    );
    expect(site.createSite.shortName).toBe('tokyo');
    const created = await ok(
      `mutation($input: CreateLocationInput!) { createLocation(input: $input) { id name active priority site { shortName } } }`,
      {
        input: {
          site: 'tokyo',
          name: 'buffer',
          locationType: 'BUFFER',
          storageType: 'DISK',
          rootPath: '/tmp/ccat-tokyo/buffer',
        },
      },
    );
    const id = created.createLocation.id;
    expect(created.createLocation).toMatchObject({
      name: 'buffer',
      active: true,
      priority: 1,
      site: { shortName: 'tokyo' },
    });
    expect(await queueNames()).toContain('tokyo_buffer_data_transfer');

    const updated = await ok(
      `mutation($id: Int!) { updateLocation(id: $id, input: { priority: 3, diskUsageThresholdPercent: 80 }) { priority diskUsageThresholdPercent rootPath } }`,
      { id },
    );
    expect(updated.updateLocation).toEqual({
      priority: 3,
      diskUsageThresholdPercent: 80,
      rootPath: '/tmp/ccat-tokyo/buffer',
    });
    await ok(`mutation { updateSite(shortName: "tokyo", input: { location: "Kashiwa" }) { location } }`);
    expect((await one(`SELECT location FROM site WHERE short_name = 'tokyo'`)).location).toBe('Kashiwa');

    expect(
      (await ok(`mutation($id: Int!) { deactivateLocation(id: $id) { active } }`, { id })).deactivateLocation
        .active,
    ).toBe(false);
    expect(await queueNames()).not.toContain('tokyo_buffer_data_transfer');
    expect(
      (await ok(`mutation($id: Int!) { activateLocation(id: $id) { active } }`, { id })).activateLocation
        .active,
    ).toBe(true);
    expect((await ok(`mutation { deactivateSite(shortName: "tokyo") }`)).deactivateSite).toBe(1);
    expect((await one(`SELECT active FROM data_location WHERE id = $1`, [id])).active).toBe(false);
    expect((await ok(`mutation { activateSite(shortName: "tokyo") }`)).activateSite).toBe(1);
    expect(await queueNames()).toContain('tokyo_buffer_data_transfer');
  });

  describe('refuses bad site and location input field by field, and writes nothing', () => {
    const createLocation = `mutation($input: CreateLocationInput!) { createLocation(input: $input) { id } }`;
    let sites: number;
    let locations: number;
    let source: { id: number; root_path: string };

    beforeAll(async () => {
      sites = (await one(`SELECT count(*)::int AS n FROM site`)).n;
      locations = (await one(`SELECT count(*)::int AS n FROM data_location`)).n;
      source = await one(
        `SELECT l.id, l.root_path FROM data_location l JOIN site s ON s.id = l.site_id WHERE s.short_name = 'ccat' AND l.name = 'telescope_computer'`,
      );
    });

    it('a site: a padded name and a short name not of the form, each named; a short name taken', async () => {
      const badName = await gql(
        `mutation { createSite(input: { name: " padded", shortName: "Bad Name" }) { id } }`,
      );
      expect(codeOf(badName)).toBe('BAD_USER_INPUT');
      expect(badName.errors?.[0].extensions?.fields?.map((f) => f.field).sort()).toEqual([
        'name',
        'shortName',
      ]);
      const taken = await gql(`mutation { createSite(input: { name: "Again", shortName: "ccat" }) { id } }`);
      expect(codeOf(taken)).toBe('CONFLICT');
      expect(taken.errors?.[0].extensions?.fields).toEqual([
        { field: 'input.shortName', message: 'a site ccat exists already' },
      ]);
    });

    it('a location: a disk without rootPath, a relative rootPath, an unknown site, an unknown type', async () => {
      const noRoot = await gql(createLocation, {
        input: { site: 'us', name: 'scratch', locationType: 'BUFFER', storageType: 'DISK' },
      });
      expect(codeOf(noRoot)).toBe('BAD_USER_INPUT');
      expect(noRoot.errors?.[0].message).toMatch(/rootPath is required for disk storage/);
      const relative = await gql(createLocation, {
        input: {
          site: 'us',
          name: 'scratch',
          locationType: 'BUFFER',
          storageType: 'DISK',
          rootPath: 'data/x',
        },
      });
      expect(relative.errors?.[0].extensions?.fields).toEqual([
        { field: 'rootPath', message: 'must be an absolute path without ..' },
      ]);
      const nowhere = await gql(createLocation, {
        input: { site: 'mars', name: 'scratch', locationType: 'BUFFER', storageType: 'DISK', rootPath: '/x' },
      });
      expect(codeOf(nowhere)).toBe('NOT_FOUND');
      const wrongEnum = await gql(createLocation, {
        input: { site: 'us', name: 'x', locationType: 'ATTIC', storageType: 'DISK' },
      });
      expect(wrongEnum.errors?.[0].message).toMatch(/ATTIC/);
    });

    it('moving a location that still holds copies (nothing changes), or one that does not exist', async () => {
      // Moving a location that still holds copies would lose track of them: refused, nothing changes.
      const move = await gql(
        `mutation($id: Int!) { updateLocation(id: $id, input: { rootPath: "/elsewhere" }) { id } }`,
        {
          id: source.id,
        },
      );
      expect(codeOf(move)).toBe('CONFLICT');
      expect(move.errors?.[0].message).toMatch(/still holds/);
      expect((await one(`SELECT root_path FROM data_location WHERE id = $1`, [source.id])).root_path).toBe(
        source.root_path,
      );
      expect(codeOf(await gql(`mutation { updateLocation(id: 99999, input: { priority: 2 }) { id } }`))).toBe(
        'NOT_FOUND',
      );
    });

    it("a disk root inside another location's root, or of /, naming both locations", async () => {
      // Two locations cannot be one storage: a disk root inside another location's root, and a root of /,
      // are refused through the mutations as through `topology apply`, naming both locations.
      const nested = await gql(createLocation, {
        input: {
          site: 'us',
          name: 'inside_the_source',
          locationType: 'BUFFER',
          storageType: 'DISK',
          rootPath: `${source.root_path}/nested`,
        },
      });
      expect(codeOf(nested)).toBe('CONFLICT');
      expect(nested.errors?.[0].message).toMatch(/us\/inside_the_source/);
      expect(nested.errors?.[0].message).toMatch(/ccat\/telescope_computer/);
      const slash = await gql(createLocation, {
        input: { site: 'us', name: 'everything', locationType: 'BUFFER', storageType: 'DISK', rootPath: '/' },
      });
      expect(codeOf(slash)).toBe('CONFLICT');
      expect(slash.errors?.[0].message).toMatch(/rootPath \/ is the whole file system/);
    });

    it('writes nothing: as many sites and locations as before', async () => {
      expect((await one(`SELECT count(*)::int AS n FROM site`)).n).toBe(sites);
      expect((await one(`SELECT count(*)::int AS n FROM data_location`)).n).toBe(locations);
    });
  });

  it('creates and deletes routes, and refuses a relay without its via', async () => {
    const create = `mutation($input: CreateRouteInput!) { createRoute(input: $input) { id type from to via } }`;
    const relay = await ok(create, { input: { type: 'RELAY', from: 'ccat', to: 'us', via: 'cologne' } });
    expect(relay.createRoute).toMatchObject({ type: 'RELAY', from: 'ccat', to: 'us', via: 'cologne' });
    expect((await ok('{ routes { id } }')).routes).toEqual([{ id: relay.createRoute.id }]);
    const noVia = await gql(create, { input: { type: 'RELAY', from: 'ccat', to: 'us' } });
    expect(noVia.errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fields: [{ field: 'input.via' }],
    });
    expect(codeOf(await gql(create, { input: { type: 'DIRECT', from: 'ccat', to: 'nowhere' } }))).toBe(
      'NOT_FOUND',
    );
    const id = relay.createRoute.id;
    expect((await ok(`mutation($id: Int!) { deleteRoute(id: $id) }`, { id })).deleteRoute).toBe(id);
    expect(codeOf(await gql(`mutation($id: Int!) { deleteRoute(id: $id) }`, { id }))).toBe('NOT_FOUND');
    expect((await ok('{ routes { id } }')).routes).toEqual([]);
  });

  it('resets a failed transfer once, and says why it will not reset what has not failed', async () => {
    const bundle = await insertCcatBundle(api.dataSource, 1);
    const { id } = await one(
      `INSERT INTO data_transfer (data_transfer_package_id, origin_location_id, destination_location_id, method, status, retry_count, failure_reason)
       SELECT $1, o.id, d.id, 'http', 'failed', 3, 'link down' FROM data_location o, data_location d
        WHERE o.id = (SELECT origin_location_id FROM data_transfer_package WHERE id = $1)
          AND d.id = (SELECT l.id FROM data_location l JOIN site s ON s.id = l.site_id WHERE s.short_name = 'us' AND l.name = 'buffer')
       RETURNING id`,
      [bundle],
    );
    const failures = (await ok('{ failedWork { kind id location failureReason retries } }')).failedWork;
    expect(failures).toEqual([
      { kind: 'transfer', id, location: 'us_buffer', failureReason: 'link down', retries: 3 },
    ]);
    const reset = `mutation($id: String!) { resetOperation(kind: transfer, id: $id) { from to retry reason } }`;
    const done = await ok(reset, { id });
    expect(done.resetOperation).toMatchObject({ from: 'FAILED', to: 'PENDING', retry: 4 });
    expect(done.resetOperation.reason).toMatch(/token:console-admin/);
    expect(await one(`SELECT status, retry_count FROM data_transfer WHERE id = $1`, [id])).toEqual({
      status: 'pending',
      retry_count: 4,
    });
    const again = await gql(reset, { id });
    expect(codeOf(again)).toBe('CONFLICT');
    expect((await ok('{ failedWork { id } }')).failedWork).toEqual([]);
    expect(again.errors?.[0].message).toMatch(/only failed work can be reset/);
    expect(codeOf(await gql(reset, { id: crypto.randomUUID() }))).toBe('NOT_FOUND');
    const badId = await gql(reset, { id: 'not-a-uuid' });
    expect(badId.errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fields: [{ field: 'id', message: 'id: must be a UUID' }],
    });
    expect(codeOf(await gql(`mutation { resetOperation(kind: everything, id: "x") { to } }`))).toBe(
      'GRAPHQL_VALIDATION_FAILED',
    );
  });

  it('requests, follows and releases a staging job', async () => {
    const request = `mutation($input: StagingJobRequest!) { requestStagingJob(input: $input) { id status location filesTotal requestedBy } }`;
    const both = await gql(request, {
      input: {
        location: 'cologne_ramses_processing',
        obsUnit: 'catalogue_field',
        packages: [catalogue.packageIds[0]],
      },
    });
    expect(codeOf(both)).toBe('BAD_USER_INPUT');
    expect((await one(`SELECT count(*)::int AS n FROM staging_job`)).n).toBe(0);
    const job = (
      await ok(request, { input: { location: 'cologne_ramses_processing', obsUnit: 'catalogue_field' } })
    ).requestStagingJob;
    expect(job).toMatchObject({
      status: 'pending',
      location: 'cologne_ramses_processing',
      filesTotal: 20,
      requestedBy: 'token:console-admin',
    });
    expect(
      (await ok(`query($id: String!) { stagingJob(id: $id) { packages } }`, { id: job.id })).stagingJob
        .packages,
    ).toBe(2);
    expect((await ok(`{ stagingJobs(first: 10) { nodes { id } } }`)).stagingJobs.nodes).toEqual([
      { id: job.id },
    ]);
    const release = `mutation($id: String!) { releaseStagingJob(id: $id) { releasedAt } }`;
    expect((await ok(release, { id: job.id })).releaseStagingJob.releasedAt).toEqual(expect.any(String));
    expect(codeOf(await gql(release, { id: job.id }))).toBe('CONFLICT');
  });

  it('pauses and resumes deletion, naming who did it', async () => {
    const paused = await ok(
      `mutation { pauseDeletion(reason: "disk swap in Cologne") { paused reason changedBy } }`,
    );
    expect(paused.pauseDeletion).toEqual({
      paused: true,
      reason: 'disk swap in Cologne',
      changedBy: 'token:console-admin',
    });
    expect((await one(`SELECT paused FROM deletion_switch WHERE id = 1`)).paused).toBe(true);
    expect((await ok(`mutation { resumeDeletion { paused } }`)).resumeDeletion.paused).toBe(false);
    const long = await gql(`mutation($r: String) { pauseDeletion(reason: $r) { paused } }`, {
      r: 'x'.repeat(501),
    });
    expect(long.errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fields: [{ field: 'reason' }],
    });
    expect((await one(`SELECT paused FROM deletion_switch WHERE id = 1`)).paused).toBe(false);
  });

  it('pauses and resumes replication into one archive site, naming who did it, and refuses an unknown site', async () => {
    const paused = await ok(
      `mutation { pauseReplication(site: "us", reason: "tape library migration") { pauses { site by reason } } }`,
    );
    expect(paused.pauseReplication.pauses).toEqual([
      { site: 'us', by: 'token:console-admin', reason: 'tape library migration' },
    ]);
    expect(
      (await ok(`{ overview { replication { pauses { site } summary } } }`)).overview.replication,
    ).toEqual({
      pauses: [{ site: 'us' }],
      summary: expect.any(Array),
    });
    const unknown = await gql(`mutation { pauseReplication(site: "mars") { summary } }`);
    expect(codeOf(unknown)).toBe('NOT_FOUND');
    expect(unknown.errors?.[0].message).toMatch(/no archive site "mars"/);
    const resumed = await ok(`mutation { resumeReplication(site: "us") { pauses { site } } }`);
    expect(resumed.resumeReplication.pauses).toEqual([]);
  });

  it('plans and retires an archive location, and refuses to empty it while packages depend on it', async () => {
    const plan = `{ retirementPlan(location: "us/lta") { location retiring copies dependentCount dependents { reasons } } }`;
    const before = (await ok(plan)).retirementPlan;
    expect(before).toMatchObject({ location: 'us/lta', retiring: false });
    // The seeded history is at two sites, and needs two: each of its copies at us still counts.
    expect(before.copies).toBeGreaterThan(0);
    expect(before.dependentCount).toBe(before.copies);
    expect(before.dependents[0].reasons).toEqual(['held safely at 1 site(s) without it, 2 needed']);
    const early = await gql(`mutation { emptyLocation(location: "us/lta") { removed } }`);
    expect(codeOf(early)).toBe('CONFLICT');
    expect(early.errors?.[0].message).toMatch(/us\/lta is not retiring: retire it first/);
    const notArchive = await gql(`{ retirementPlan(location: "cologne/buffer") { copies } }`);
    expect(codeOf(notArchive)).toBe('BAD_USER_INPUT');
    expect(notArchive.errors?.[0].message).toMatch(/only a long-term archive retires/);

    expect((await ok(`mutation { retireLocation(location: "us/lta") { retiring } }`)).retireLocation).toEqual(
      {
        retiring: true,
      },
    );
    const refused = await gql(`mutation { emptyLocation(location: "us/lta") { removed } }`);
    expect(codeOf(refused)).toBe('CONFLICT');
    expect(refused.errors?.[0].message).toMatch(/still depend on it/);
    expect(
      await one(`SELECT count(*)::int AS n FROM data_location WHERE emptying_requested_at IS NOT NULL`),
    ).toEqual({ n: 0 });
    // Back as it was for the other tests.
    await api.dataSource.query(
      `UPDATE data_location SET retiring = false WHERE name = 'lta' AND site_id = (SELECT id FROM site WHERE short_name = 'us')`,
    );
  });

  it('creates a token that works at once, and revokes it so it stops working', async () => {
    const create = `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token record { name scopes } } }`;
    const made = (await ok(create, { input: { name: 'grafana-reader', scopes: ['READ'] } })).createApiToken;
    expect(made.record).toEqual({ name: 'grafana-reader', scopes: ['READ'] });
    expect((await gql('{ overview { files { total } } }', {}, made.token)).data?.overview.files.total).toBe(
      20,
    );
    expect(codeOf(await gql(create, { input: { name: 'grafana-reader', scopes: ['READ'] } }))).toBe(
      'CONFLICT',
    );
    const badName = await gql(create, { input: { name: 'has space', scopes: ['READ'] } });
    expect(badName.errors?.[0].extensions?.fields?.[0].field).toBe('name');
    expect(codeOf(await gql(create, { input: { name: 'none', scopes: [] } }))).toBe('BAD_USER_INPUT');
    const names = (await ok('{ apiTokens { name revokedAt } }')).apiTokens.map(
      (t: { name: string }) => t.name,
    );
    expect(names).toEqual(expect.arrayContaining(['console-admin', 'grafana-reader']));
    expect((await ok(`mutation { revokeApiToken(name: "grafana-reader") }`)).revokeApiToken).toBe(
      'grafana-reader',
    );
    expect(codeOf(await gql('{ overview { files { total } } }', {}, made.token))).toBe('UNAUTHENTICATED');
    expect(codeOf(await gql(`mutation { revokeApiToken(name: "grafana-reader") }`))).toBe('NOT_FOUND');
  });

  it('binds a transfer token to a site, and refuses a site that does not exist by its name', async () => {
    const create = `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { record { name scopes site } } }`;
    const made = await ok(create, { input: { name: 'transfer-us', scopes: ['TRANSFER'], site: 'us' } });
    expect(made.createApiToken.record).toEqual({ name: 'transfer-us', scopes: ['TRANSFER'], site: 'us' });
    const nowhere = await gql(create, {
      input: { name: 'transfer-x', scopes: ['TRANSFER'], site: 'nowhere' },
    });
    expect(codeOf(nowhere)).toBe('BAD_USER_INPUT');
    expect(nowhere.errors?.[0].message).toBe('cannot bind the token to site nowhere: no such site');
  });

  it('answers malformed requests with their reason, never an internal error', async () => {
    const tooMany = await gql('{ rawDataFiles(first: 5000) { nodes { id } } }');
    expect(tooMany.errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fields: [{ field: 'first' }],
    });
    const cursor = await gql('{ rawDataFiles(after: "garbage") { nodes { id } } }');
    expect(cursor.errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fields: [{ field: 'after' }],
    });
    expect(codeOf(await gql('{ rawDataFiles(first: "ten") { nodes { id } } }'))).toBe(
      'GRAPHQL_VALIDATION_FAILED',
    );
    expect(codeOf(await gql('{ noSuchThing }'))).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(codeOf(await gql('{ rawDataFile(id: "x") { id } }'))).toBe('BAD_USER_INPUT');
    expect(codeOf(await gql('{ rawDataFiles(obsUnitId: "not-a-uuid") { nodes { id } } }'))).toBe(
      'BAD_USER_INPUT',
    );
    const deep = `{ sites { nodes { locations { site { locations { site { locations { site { locations { id } } } } } } } } } }`;
    const tooDeep = await gql(deep);
    expect(codeOf(tooDeep)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(tooDeep.errors?.[0].message).toMatch(/levels deep/);
    expect(codeOf(await gql('{ rawDataFiles('))).toBe('GRAPHQL_PARSE_FAILED');
  });
});
