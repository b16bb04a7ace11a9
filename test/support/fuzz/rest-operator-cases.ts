import fc, { Arbitrary } from 'fast-check';
import { fileRegistration, obsUnitStart } from '../factories';
import {
  badUuid,
  hostileText,
  MISSING,
  notAString,
  pollutionKey,
  tooLong,
  unknownName,
  unknownUuid,
  withField,
  withRawKey,
} from './broken-values';
import { bearer, enc, obsUnitCases, RestCase, RestFuzzContext, registrationCases } from './rest-cases';

const RESETS = [
  'raw-data-packages',
  'data-transfer-packages',
  'data-transfers',
  'data-transfers/:id/unpack',
  'staging-jobs',
  'long-term-archive-transfers',
];
const resetPath = (kind: string, id: string) =>
  kind.includes(':id') ? `/${kind.replace(':id', enc(id))}/reset` : `/${kind}/${enc(id)}/reset`;

/** Reads by id (bad or unknown ids), and the operators' resets of work that is unknown or has not failed. */
function byIdCases(ctx: RestFuzzContext): Arbitrary<RestCase> {
  const anyId = fc.oneof(
    badUuid.filter((s) => s !== '' && !s.includes('/')),
    unknownUuid,
  );
  const get = (path: string, token: string): RestCase => ({
    kind: 'get',
    method: 'GET',
    path,
    auth: bearer(token),
  });
  return fc.oneof(
    anyId.map((id) => get(`/raw-data-files/${enc(id)}`, ctx.tokens.ingest)),
    anyId.map((id) => get(`/raw-data-files/${enc(id)}/explain`, ctx.tokens.read)),
    anyId.map((id) => get(`/executed-obs-units/${enc(id)}`, ctx.tokens.read)),
    anyId.map((id) => get(`/staging-jobs/${enc(id)}`, ctx.tokens.read)),
    anyId.map((id) => ({
      kind: 'staging.release',
      method: 'POST' as const,
      path: `/staging-jobs/${enc(id)}/release`,
      auth: bearer(ctx.tokens.admin),
    })),
    fc
      .tuple(fc.constantFrom(...RESETS), fc.oneof(anyId, fc.constantFrom(...ctx.packageIds)))
      .map(([kind, id]) => ({
        kind: 'reset',
        method: 'POST' as const,
        path: resetPath(kind, id),
        auth: bearer(ctx.tokens.admin),
      })),
  );
}

/** Staging requests with one thing wrong: never a job row. */
function stagingCases(ctx: RestFuzzContext): Arbitrary<RestCase> {
  const valid = { location: 'cologne_ramses_processing', packages: ctx.packageIds.slice(0, 2) };
  const broken: Record<string, Arbitrary<unknown>> = {
    location: fc.oneof(
      fc.constantFrom(MISSING, null, '', 'cologne_buffer', 'ccat_telescope_computer', 'us_lta', 'cologne'),
      unknownName,
      hostileText,
      notAString,
      tooLong(200),
    ),
    packages: fc.oneof(
      fc.constantFrom([], 'x', {}, [null], [1]),
      fc.array(badUuid, { minLength: 1, maxLength: 3 }),
      fc.array(unknownUuid, { minLength: 1, maxLength: 3 }),
    ),
    retention: fc.oneof(
      fc.constantFrom('7 days', '1w', '9999999d', '-1d', '1.5h', '', 'd'),
      notAString,
      hostileText,
    ),
    files: fc.constant(ctx.fileIds.slice(0, 2)),
    obsUnit: fc.oneof(unknownName, fc.constant('catalogue_field')),
    extra: fc.constant(1),
  };
  return fc.oneof(
    fc.constantFrom(...Object.keys(broken)).chain((field) =>
      broken[field].map((value) => ({
        kind: `staging.${field}`,
        method: 'POST' as const,
        path: '/staging-jobs',
        auth: bearer(ctx.tokens.admin),
        // files and obsUnit are valid alone: added to packages they make two ways of naming the data.
        body: withField(valid, field, value),
      })),
    ),
    fc.constant<RestCase>({
      kind: 'staging.none',
      method: 'POST',
      path: '/staging-jobs',
      auth: bearer(ctx.tokens.admin),
      body: { location: valid.location },
    }),
  );
}

/** Valid requests with the wrong credentials: a refusal, and nothing written even though the body is good. */
function authCases(ctx: RestFuzzContext): Arbitrary<RestCase> {
  const t = ctx.tokens;
  const header = fc.oneof(
    fc.constantFrom(
      null,
      '',
      'Bearer',
      'Bearer ',
      `Basic ${Buffer.from('a:b').toString('base64')}`,
      'Bearer ccat_nope_0000000000000000',
      'Bearer ccat__',
      `Bearer ${t.ingest}x`,
      `Bearer ${t.ingest.slice(0, -1)}`,
      `Token ${t.ingest}`,
      bearer(t.revoked),
      bearer(t.expired),
      `Bearer ${'a'.repeat(5000)}`,
    ),
    fc.string({ maxLength: 30 }).map((s) => `Bearer ccat_${s.replace(/[^\x21-\x7e]/g, 'x')}`),
  );
  const requests: { scopesThatFail: string[]; make: (auth: string | null) => RestCase }[] = [
    {
      scopesThatFail: [t.read, t.transfer],
      make: (auth) => ({
        kind: '',
        method: 'POST',
        path: '/raw-data-files',
        auth,
        body: fileRegistration(ctx.unitId),
      }),
    },
    {
      scopesThatFail: [t.read, t.transfer],
      make: (auth) => ({
        kind: '',
        method: 'POST',
        path: '/raw-data-files/bulk',
        auth,
        body: { files: [fileRegistration(ctx.unitId)] },
      }),
    },
    {
      scopesThatFail: [t.read, t.transfer],
      make: (auth) => ({
        kind: '',
        method: 'POST',
        path: '/executed-obs-units/start',
        auth,
        body: obsUnitStart(),
      }),
    },
    {
      scopesThatFail: [t.read, t.transfer],
      make: (auth) => ({
        kind: '',
        method: 'PUT',
        path: `/executed-obs-units/${ctx.unitId}/finish`,
        auth,
        body: {},
      }),
    },
    {
      scopesThatFail: [t.ingest, t.read, t.transfer],
      make: (auth) => ({
        kind: '',
        method: 'POST',
        path: '/staging-jobs',
        auth,
        body: { location: 'cologne_ramses_processing', packages: ctx.packageIds.slice(0, 1) },
      }),
    },
    {
      scopesThatFail: [t.ingest, t.transfer],
      make: (auth) => ({ kind: '', method: 'GET', path: `/raw-data-files/${ctx.fileIds[0]}/explain`, auth }),
    },
  ];
  return fc.constantFrom(...requests).chain((r) =>
    fc.oneof(
      header.map((auth) => ({ ...r.make(auth), kind: 'auth.token' })),
      fc.constantFrom(...r.scopesThatFail).map((token) => ({ ...r.make(bearer(token)), kind: 'auth.scope' })),
    ),
  );
}

/** Bodies that are not JSON objects, or not JSON, or too big, or try to pollute a prototype. */
function bodyCases(ctx: RestFuzzContext): Arbitrary<RestCase> {
  const ingest = bearer(ctx.tokens.ingest);
  const targets = fc.constantFrom(
    { method: 'POST' as const, path: '/raw-data-files', valid: () => fileRegistration(ctx.unitId) },
    {
      method: 'POST' as const,
      path: '/raw-data-files/bulk',
      valid: () => ({ files: [fileRegistration(ctx.unitId)] }),
    },
    { method: 'POST' as const, path: '/executed-obs-units/start', valid: () => obsUnitStart() },
  );
  const raw = (kind: string, t: { method: 'POST'; path: string }, type: string, text: string): RestCase => ({
    kind,
    method: t.method,
    path: t.path,
    auth: ingest,
    raw: { type, text },
  });
  return targets.chain((t) =>
    fc.oneof(
      fc
        .constantFrom(
          'text/plain',
          'application/xml',
          'application/x-www-form-urlencoded',
          'multipart/form-data',
        )
        .map((type) => raw('body.content-type', t, type, JSON.stringify(t.valid()))),
      fc
        .integer({ min: 1, max: 200 })
        .map((cut) =>
          raw('body.invalid-json', t, 'application/json', JSON.stringify(t.valid()).slice(0, -cut)),
        ),
      fc
        .constantFrom(
          "{'id': 1}",
          '{"a":1,}',
          'NaN',
          '{"a": undefined}',
          '\u0000',
          '{"size": 1e99999}',
          '[',
          '',
        )
        .map((text) => raw('body.invalid-json', t, 'application/json', text)),
      fc
        .constantFrom('[]', '"text"', '42', 'null', 'true', JSON.stringify([t.valid()]))
        .map((text) => raw('body.not-object', t, 'application/json', text)),
      fc
        .tuple(
          pollutionKey,
          fc.constantFrom<unknown>({ polluted: true }, { prototype: { polluted: true } }, 'x'),
        )
        .map(([key, value]) =>
          raw('body.pollution', t, 'application/json', withRawKey(t.valid(), key, value)),
        ),
      fc.constant(null).map(() => raw('body.huge', t, 'application/json', hugeBody(t.valid()))),
      fc
        .constantFrom('application/json; charset=latin1', 'application/json; charset=utf-16')
        .map((type) => raw('body.charset', t, type, JSON.stringify(t.valid()))),
    ),
  );
}

/** Valid JSON over the 1 MB limit the fuzz app runs with. */
const hugeBody = (valid: object) => JSON.stringify({ ...valid, pad: 'x'.repeat(1_100_000) });

/** Every kind of bad REST request, weighted towards the near misses of ingest. */
export function restCase(ctx: RestFuzzContext): Arbitrary<RestCase> {
  return fc.oneof(
    { arbitrary: registrationCases(ctx, bearer(ctx.tokens.ingest)), weight: 10 },
    { arbitrary: obsUnitCases(ctx, bearer(ctx.tokens.ingest)), weight: 3 },
    { arbitrary: byIdCases(ctx), weight: 3 },
    { arbitrary: stagingCases(ctx), weight: 2 },
    { arbitrary: authCases(ctx), weight: 3 },
    { arbitrary: bodyCases(ctx), weight: 2 },
  );
}
