import fc, { Arbitrary } from 'fast-check';
import { badUuid, hostileText, tooLong, unknownName, unknownUuid } from './broken-values';

/** One POST /graphql: a JSON body (query, variables), or a raw body with its content type. */
export interface GqlCase {
  kind: string;
  token: string | null;
  body?: unknown;
  raw?: { type: string; text: string };
}

export interface GqlFuzzContext {
  tokens: { admin: string; read: string; ingest: string; transfer: string };
  packageIds: string[];
  fileIds: string[];
  /** An existing site short name (for duplicate-name conflicts). */
  siteName: string;
}

/** A GraphQL string literal of any JS string (JSON escapes are GraphQL escapes too). */
const lit = (s: string) => JSON.stringify(s);

const LISTS = [
  'sites',
  'locations',
  'physicalCopies',
  'rawDataFiles',
  'rawDataPackages',
  'stagingJobs',
  'transferPackages',
  'transfers',
];
const list = (name: string, args: string) =>
  `{ ${name}(${args}) { nodes { __typename } pageInfo { endCursor } } }`;

const cursorOf = (values: unknown[]) => Buffer.from(JSON.stringify(values)).toString('base64url');

/** `after` values no list ever returned: garbage, wrong width, or values no id column can hold. */
const badCursor: Arbitrary<string> = fc.oneof(
  fc.constantFrom('', '!!!', 'eyJ', 'null', cursorOf([]), cursorOf([1, 2]), cursorOf([[1], 'a', null])),
  fc.string({ maxLength: 30 }).filter((s) => !/^[A-Za-z0-9_-]+$/.test(s)),
  fc
    .constantFrom<unknown>(true, false, { a: 1 }, [[1]], "zz'--", '', 'NaN', '2026-13-01', { id: 1 }, [null])
    .map((v) => cursorOf([v])),
  tooLong(512),
);

/** Arguments of the wrong type, out of range, or of enums that do not exist. */
function listArgCases(): Arbitrary<{ kind: string; query: string }> {
  const firstBad = fc.constantFrom(
    '0',
    '-1',
    '1001',
    '2147483647',
    '2147483648',
    '1.5',
    '"10"',
    'null',
    'true',
    '[1]',
  );
  const enums: [string, string][] = [
    ['locations', 'locationType'],
    ['physicalCopies', 'status'],
    ['physicalCopies', 'kind'],
    ['rawDataFiles', 'state'],
    ['rawDataPackages', 'state'],
    ['rawDataPackages', 'status'],
    ['stagingJobs', 'status'],
    ['transfers', 'unpackStatus'],
  ];
  const uuidFilters: [string, string][] = [
    ['physicalCopies', 'fileId'],
    ['rawDataFiles', 'obsUnitId'],
    ['rawDataPackages', 'obsUnitId'],
    ['transfers', 'transferPackageId'],
  ];
  return fc.oneof(
    fc
      .tuple(fc.constantFrom(...LISTS), firstBad)
      .map(([l, f]) => ({ kind: 'first', query: list(l, `first: ${f}`) })),
    fc
      .tuple(fc.constantFrom(...LISTS), badCursor)
      .map(([l, c]) => ({ kind: 'cursor', query: list(l, `after: ${lit(c)}`) })),
    fc
      .tuple(
        fc.constantFrom(...enums),
        fc.constantFrom('NOPE', '"PRESENT"', 'present', '1', 'null_', 'ARCHIVED_'),
      )
      .map(([[l, arg], v]) => ({ kind: 'enum', query: list(l, `${arg}: ${v}`) })),
    fc
      .tuple(fc.constantFrom(...uuidFilters), fc.oneof(badUuid, hostileText))
      .map(([[l, arg], v]) => ({ kind: 'bad-id', query: list(l, `${arg}: ${lit(v)}`) })),
    fc
      .constantFrom(
        list('locations', 'siteId: "1"'),
        list('locations', 'active: "yes"'),
        list('locations', 'siteId: 99999999999'),
        list('rawDataFiles', 'moduleId: 1.5'),
        list('rawDataFiles', 'pathPrefix: 5'),
        list('sites', 'nope: 1'),
        '{ location(id: "1") { id } }',
        '{ location { id } }',
        '{ rawDataFile(id: 5) { id } }',
        '{ site(shortName: null) { id } }',
        '{ failedWork(first: -5) { id } }',
        '{ failedWork(first: 100000) { id } }',
      )
      .map((query) => ({ kind: 'arg-type', query })),
    fc
      .tuple(fc.constantFrom('rawDataFile', 'rawDataPackage', 'stagingJob'), fc.oneof(badUuid, hostileText))
      .map(([field, id]) => ({ kind: 'bad-id', query: `{ ${field}(id: ${lit(id)}) { id } }` })),
    fc
      .oneof(
        unknownUuid,
        fc.constant(null).map(() => 'nope/not/a/path.fits'),
        hostileText,
      )
      .map((ref) => ({ kind: 'explain', query: `{ explain(ref: ${lit(ref)}) { verdict } }` })),
    unknownUuid.map((id) => ({ kind: 'not-found', query: `{ stagingJob(id: ${lit(id)}) { id } }` })),
  );
}

/** Documents that do not parse, fields that do not exist, and abuse of nesting, aliases and fragments. */
function documentCases(): Arbitrary<{ kind: string; query: string }> {
  const valid = '{ sites(first: 5) { nodes { id shortName locations { id name } } } }';
  const nest = (depth: number) =>
    `{ sites { nodes { ${'locations { site { '.repeat(depth)}id${' } }'.repeat(depth)} } } }`;
  const fragmentBomb = (levels: number) => {
    const defs = [`fragment F0 on Query { sites { nodes { id } } }`];
    for (let i = 1; i <= levels; i++) defs.push(`fragment F${i} on Query { ...F${i - 1} ...F${i - 1} }`);
    return `query { ...F${levels} } ${defs.join(' ')}`;
  };
  return fc.oneof(
    fc.integer({ min: 1, max: valid.length - 1 }).map((n) => ({ kind: 'syntax', query: valid.slice(0, n) })),
    fc
      .constantFrom(
        '',
        ' ',
        '{',
        '}',
        'query',
        'mutation { }',
        '{ sites { nodes { id } }',
        '{ "sites" }',
        '\u0000',
      )
      .map((query) => ({ kind: 'syntax', query })),
    fc
      .constantFrom(
        '{ nope }',
        '{ sites { nodes { nope } } }',
        '{ sites { nodes { id { deeper } } } }',
        '{ sites }',
        '{ __schema { nope } }',
        'subscription { sites { nodes { id } } }',
        'mutation { sites { nodes { id } } }',
        '{ sites { nodes { ...on Location { id } } } }',
        'query { ...Missing }',
        'fragment A on Query { ...A } query { ...A }',
      )
      .map((query) => ({ kind: 'unknown-field', query })),
    fc.integer({ min: 4, max: 40 }).map((d) => ({ kind: 'deep', query: nest(d) })),
    fc.integer({ min: 201, max: 3000 }).map((n) => ({
      kind: 'aliases',
      query: `{ ${Array.from({ length: n }, (_, i) => `a${i}: overview { files { total } }`).join(' ')} }`,
    })),
    fc.integer({ min: 10, max: 40 }).map((n) => ({ kind: 'fragment-bomb', query: fragmentBomb(n) })),
  );
}

/** Mutations with one thing wrong in their input; none may write a row. */
function mutationCases(ctx: GqlFuzzContext): Arbitrary<{ kind: string; query: string; variables?: unknown }> {
  const createSite = (input: Record<string, unknown>) => ({
    query: 'mutation($input: CreateSiteInput!) { createSite(input: $input) { id } }',
    variables: { input },
  });
  const site = { name: 'Tokyo', shortName: 'tokyo' };
  const location = {
    site: 'cologne',
    name: 'fuzz_buffer',
    locationType: 'BUFFER',
    storageType: 'DISK',
    rootPath: '/tmp/ccat-fuzz/buffer',
  };
  const createLocation = (input: Record<string, unknown>) => ({
    query: 'mutation($input: CreateLocationInput!) { createLocation(input: $input) { id } }',
    variables: { input },
  });
  const badName = fc.oneof(
    fc.constantFrom('', 'Tokyo', '1abc', 'a-b', 'a b', 'x'.repeat(41)),
    hostileText,
    unknownName.filter((s) => !/^[a-z][a-z0-9_]*$/.test(s)),
  );
  return fc.oneof(
    fc
      .oneof(
        badName.map((shortName) => ({ ...site, shortName })),
        fc
          .oneof(fc.constantFrom('', ' x', 'x '), tooLong(200), hostileText)
          .map((name) => ({ ...site, name })),
        fc.constant({ ...site, shortName: ctx.siteName }),
        fc.constant({ ...site, extra: 1 }),
        fc.constant({ name: 'x' }),
        fc.constant({ ...site, shortName: 5 }),
      )
      .map((input) => ({ kind: 'mutation.createSite', ...createSite(input) })),
    fc
      .oneof(
        fc
          .oneof(
            unknownName.filter((s) => /^[a-z][a-z0-9_]*$/.test(s)),
            badName,
          )
          .map((s) => ({ ...location, site: s })),
        badName.map((name) => ({ ...location, name })),
        fc.constant({ ...location, name: 'buffer' }),
        fc.constantFrom('buffer', 'NOPE', 1, null).map((locationType) => ({ ...location, locationType })),
        fc.constantFrom('TAPE_', 'disk', null).map((storageType) => ({ ...location, storageType })),
        fc
          .constantFrom('relative/path', '/a/../b', '', '/a\u0000b', 5)
          .map((rootPath) => ({ ...location, rootPath })),
        fc.constant({ ...location, rootPath: undefined }),
        fc.constantFrom(0, -1, 2147483648, 1.5, '1').map((priority) => ({ ...location, priority })),
        fc
          .constantFrom(-1, 101, 1e308, 'x')
          .map((diskUsageThresholdPercent) => ({ ...location, diskUsageThresholdPercent })),
        fc
          .constantFrom('ftp://x', 'http://', 'javascript:alert(1)', 'http://a b')
          .map((dataUrl) => ({ ...location, dataUrl })),
        fc.constant({ ...location, storageType: 'S3', rootPath: undefined }),
      )
      .map((input) => ({ kind: 'mutation.createLocation', ...createLocation(input) })),
    fc
      .oneof(
        fc
          .constantFrom(-1, 0, 99999)
          .map((id) => `mutation { updateLocation(id: ${id}, input: { priority: 2 }) { id } }`),
        fc.constant('mutation { updateLocation(id: 1, input: { priority: -3 }) { id } }'),
        fc.constant('mutation { updateLocation(id: 1, input: { rootPath: "relative" }) { id } }'),
        fc.constant('mutation { updateLocation(id: 1, input: { nope: 1 }) { id } }'),
        fc.constantFrom(-1, 99999).map((id) => `mutation { activateLocation(id: ${id}) { id } }`),
        fc.constantFrom(-1, 99999).map((id) => `mutation { deactivateLocation(id: ${id}) { id } }`),
        fc.oneof(unknownName, hostileText).map((s) => `mutation { deactivateSite(shortName: ${lit(s)}) }`),
        fc.oneof(unknownName, hostileText).map((s) => `mutation { activateSite(shortName: ${lit(s)}) }`),
        fc
          .oneof(unknownName, hostileText)
          .map((s) => `mutation { updateSite(shortName: ${lit(s)}, input: { name: "X" }) { id } }`),
        fc.constant(`mutation { updateSite(shortName: "cologne", input: { name: "" }) { id } }`),
        fc.constantFrom(-1, 0, 99999).map((id) => `mutation { deleteRoute(id: ${id}) }`),
        fc
          .constantFrom(
            '{ type: DIRECT, from: "nope", to: "cologne" }',
            '{ type: RELAY, from: "ccat", to: "us" }',
            '{ type: RELAY, from: "ccat", to: "us", via: "nope" }',
            '{ type: CUSTOM, from: "ccat", to: "ccat" }',
            '{ type: CUSTOM, from: "ccat_nope", to: "cologne_buffer" }',
            '{ type: NOPE, from: "ccat", to: "us" }',
            '{ type: DIRECT, from: "CCAT", to: "us" }',
          )
          .map((input) => `mutation { createRoute(input: ${input}) { id } }`),
        fc
          .constantFrom(
            '{ name: "", scopes: [READ] }',
            '{ name: "a b", scopes: [READ] }',
            '{ name: "ok", scopes: [] }',
            '{ name: "ok", scopes: [ROOT] }',
            '{ name: "ok", scopes: [READ], expiresAt: "tomorrow" }',
            `{ name: "${'x'.repeat(65)}", scopes: [READ] }`,
          )
          .map((input) => `mutation { createApiToken(input: ${input}) { token } }`),
        fc.oneof(unknownName, hostileText).map((n) => `mutation { revokeApiToken(name: ${lit(n)}) }`),
        fc
          .oneof(badUuid, unknownUuid, hostileText)
          .map((id) => `mutation { releaseStagingJob(id: ${lit(id)}) { id } }`),
        fc
          .tuple(
            fc.oneof(badUuid, unknownUuid, fc.constantFrom(...ctx.packageIds)),
            fc.constantFrom('package', 'transfer', 'archive'),
          )
          .map(([id, kind]) => `mutation { resetOperation(id: ${lit(id)}, kind: ${kind}) { id } }`),
        fc.constant(`mutation { resetOperation(id: ${lit(ctx.packageIds[0])}, kind: nope) { id } }`),
        fc
          .oneof(tooLong(2000), hostileText)
          .map((r) => `mutation { pauseDeletion(reason: ${lit(r)}) { paused } }`),
        fc
          .constantFrom(
            `{ location: "cologne_buffer", packages: [${lit(ctx.packageIds[0])}] }`,
            `{ location: "cologne_ramses_processing" }`,
            `{ location: "cologne_ramses_processing", packages: ["nope"] }`,
            `{ location: "cologne_ramses_processing", packages: [${lit(ctx.packageIds[0])}], files: [${lit(ctx.fileIds[0])}] }`,
            `{ location: "cologne_ramses_processing", packages: [${lit(ctx.packageIds[0])}], retention: "forever" }`,
            `{ location: "nope_x", obsUnit: "catalogue_field" }`,
            `{ location: "cologne_ramses_processing", obsUnit: "no_such_unit" }`,
          )
          .map((input) => `mutation { requestStagingJob(input: ${input}) { id } }`),
      )
      .map((query) => ({ kind: 'mutation.other', query })),
  );
}

/** Variables of the wrong type, missing or null, and request bodies that are not a GraphQL request. */
function variableCases(): Arbitrary<{ kind: string; body: unknown }> {
  const byId = 'query($id: Int!) { location(id: $id) { id } }';
  return fc.oneof(
    fc
      .constantFrom<unknown>(
        {},
        { id: null },
        { id: 'x' },
        { id: 1.5 },
        { id: 1e10 },
        { id: [1] },
        { id: { a: 1 } },
      )
      .map((variables) => ({ kind: 'variables', body: { query: byId, variables } })),
    fc
      .constantFrom<unknown>({ first: 'x' }, { first: 0 }, { first: 5000 }, { first: null })
      .map((variables) => ({
        kind: 'variables',
        body: { query: 'query($first: Int!) { sites(first: $first) { nodes { id } } }', variables },
      })),
    fc
      .constantFrom(
        { query: 'query($f: String) { sites(first: $f) { nodes { id } } }', variables: { f: '1' } },
        {
          query: 'query($s: LocationType) { locations(locationType: $s) { nodes { id } } }',
          variables: { s: 'NOPE' },
        },
        { query: byId, variables: 'id=1' },
        { query: byId, variables: [1] },
        { query: 5 },
        { query: null },
        {},
        { variables: { id: 1 } },
        { query: '{ sites { nodes { id } } } { routes { id } }' },
        { query: 'query A { routes { id } } query B { routes { id } }' },
        { query: 'query A { routes { id } }', operationName: 'B' },
        [{ query: '{ routes { id } }' }, { query: '{ routes { id } }' }],
        [],
      )
      .map((body) => ({ kind: 'request-shape', body })),
  );
}

/** Every kind of bad GraphQL request, most with an admin token (so the input, not the token, is what is wrong). */
export function graphqlCase(ctx: GqlFuzzContext): Arbitrary<GqlCase> {
  const t = ctx.tokens;
  const asAdmin = (c: { kind: string; query: string; variables?: unknown }): GqlCase => ({
    kind: c.kind,
    token: t.admin,
    body: { query: c.query, variables: c.variables ?? {} },
  });
  const auth = fc
    .tuple(
      fc.constantFrom(
        { query: '{ sites { nodes { id } } }', refused: [t.ingest, t.transfer] },
        {
          query: 'mutation { createSite(input: { name: "Tokyo", shortName: "tokyo" }) { id } }',
          refused: [t.read, t.ingest],
        },
        {
          query: 'mutation { pauseDeletion(reason: "fuzz") { paused } }',
          refused: [t.read, t.ingest, t.transfer],
        },
      ),
      fc.integer({ min: 0, max: 3 }),
    )
    .map(([c, i]): GqlCase => {
      const token = [null, 'ccat_nope_x', ...c.refused][i % (2 + c.refused.length)];
      return { kind: 'auth', token, body: { query: c.query } };
    });
  return fc.oneof(
    { arbitrary: listArgCases().map(asAdmin), weight: 6 },
    { arbitrary: documentCases().map(asAdmin), weight: 3 },
    { arbitrary: mutationCases(ctx).map(asAdmin), weight: 6 },
    { arbitrary: variableCases().map((c): GqlCase => ({ ...c, token: t.admin })), weight: 2 },
    { arbitrary: auth, weight: 2 },
    {
      arbitrary: fc
        .constantFrom(
          { type: 'text/plain', text: '{ sites { nodes { id } } }' },
          { type: 'application/json', text: '{"query": "{ sites { nodes { id } } }"' },
          {
            type: 'application/json',
            text: '{"query": "mutation($i: CreateSiteInput!) { createSite(input: $i) { id } }", "variables": {"i": {"__proto__": {"polluted": 1}, "name": "Tokyo", "shortName": "tokyo"}}}',
          },
          { type: 'application/json', text: '"{ sites { nodes { id } } }"' },
          { type: 'application/graphql', text: '{ sites { nodes { id } } }' },
        )
        .map((raw): GqlCase => ({ kind: 'body', token: t.admin, raw })),
      weight: 1,
    },
  );
}
