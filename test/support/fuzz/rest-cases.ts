import fc, { Arbitrary } from 'fast-check';
import { fileRegistration, obsUnitStart } from '../factories';
import {
  badDate,
  badSha256,
  badUuid,
  hostileText,
  MISSING,
  notACount,
  notAString,
  tooLong,
  unknownName,
  unknownUuid,
  unsafePath,
  withField,
} from './broken-values';

/** One HTTP request of the ingest/operator API, and what kind of near miss it is (for the report). */
export interface RestCase {
  kind: string;
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  /** The whole Authorization header, or null for none. */
  auth: string | null;
  body?: unknown;
  /** A body sent as is, with its content type (bad JSON, wrong content types, raw keys). */
  raw?: { type: string; text: string };
}

/** What the seeded database holds that the near misses refer to. */
export interface RestFuzzContext {
  tokens: { ingest: string; read: string; admin: string; transfer: string; revoked: string; expired: string };
  /** A started, unfinished primecam unit, and one finished at `finishedAt`. */
  unitId: string;
  finishedUnitId: string;
  finishedAt: string;
  /** A file registered in `unitId`. */
  registered: ReturnType<typeof fileRegistration>;
  /** Archived catalogue packages and files (nothing failed, so nothing resettable). */
  packageIds: string[];
  fileIds: string[];
  bulkMax: number;
}

const bearer = (token: string) => `Bearer ${token}`;
const enc = encodeURIComponent;

/** For each field of a registration, values that make it invalid (optional fields: never absent or null). */
function registrationBreakers(ctx: RestFuzzContext): Record<string, Arbitrary<unknown>> {
  const required = (a: Arbitrary<unknown>) => fc.oneof(fc.constant(MISSING), fc.constant(null), a);
  return {
    id: required(fc.oneof(badUuid, notAString)),
    site: required(fc.oneof(fc.constant(''), unknownName, hostileText, notAString, tooLong(300))),
    location: required(
      fc.oneof(
        fc.constantFrom('', 'buffer', 'lta', 'ramses_processing'),
        unknownName,
        hostileText,
        notAString,
      ),
    ),
    path: required(fc.oneof(unsafePath, notAString)),
    size: required(notACount),
    sha256: required(badSha256),
    executedObsUnitId: required(fc.oneof(badUuid, unknownUuid, notAString, fc.constant(ctx.registered.id))),
    instrumentModule: required(
      fc.oneof(fc.constantFrom('', 'lfa', 'hfa'), unknownName, hostileText, notAString),
    ),
    fileCreatedAt: badDate,
    fileType: fc.oneof(tooLong(64), hostileText, fc.integer(), fc.boolean(), fc.constant([])),
    metadata: fc.oneof(
      fc.string({ maxLength: 10 }),
      fc.integer(),
      fc.boolean(),
      fc.constant([1, 2]),
      fc.constantFrom({ note: 'a\u0000b' }, { 'k\u0000': 1 }, { deep: { s: '\ud800' } }),
    ),
  };
}

/** A valid registration with exactly one field broken (or one unknown field added). */
function brokenRegistration(
  ctx: RestFuzzContext,
): Arbitrary<{ field: string; body: Record<string, unknown> }> {
  const breakers = registrationBreakers(ctx);
  const oneField = fc
    .constantFrom(...Object.keys(breakers))
    .chain((field) => breakers[field].map((value) => ({ field, value })));
  const extra = fc
    .constantFrom('extra', 'siteName', 'Size', 'sha', 'copies', 'rawDataPackageId', 'registeredAt')
    .map((field) => ({ field: `+${field}`, value: 'x' as unknown }));
  return fc
    .oneof({ arbitrary: oneField, weight: 9 }, { arbitrary: extra, weight: 1 })
    .map(({ field, value }) => ({
      field,
      body: withField(fileRegistration(ctx.unitId), field.replace(/^\+/, ''), value),
    }));
}

/** The registered file sent again with one thing different, or its path under a new id: 409 each. */
function conflictingRegistration(ctx: RestFuzzContext): Arbitrary<Record<string, unknown>> {
  const r = ctx.registered;
  return fc.constantFrom<Record<string, unknown>>(
    { ...r, size: r.size + 1 },
    { ...r, sha256: 'f'.repeat(64) },
    { ...r, path: `${r.path}.other` },
    { ...r, instrumentModule: 'pcam_350' },
    { ...r, executedObsUnitId: ctx.finishedUnitId },
    { ...fileRegistration(ctx.unitId), path: r.path },
  );
}

function registrationCases(ctx: RestFuzzContext, auth: string): Arbitrary<RestCase> {
  const post = (kind: string, path: string, body: unknown): RestCase => ({
    kind,
    method: 'POST',
    path,
    auth,
    body,
  });
  const valid = () => fileRegistration(ctx.unitId);
  return fc.oneof(
    {
      arbitrary: brokenRegistration(ctx).map((b) => post(`file.${b.field}`, '/raw-data-files', b.body)),
      weight: 6,
    },
    {
      arbitrary: conflictingRegistration(ctx).map((b) => post('file.conflict', '/raw-data-files', b)),
      weight: 1,
    },
    {
      // One broken item among valid ones: all or nothing, so none of them may be written.
      arbitrary: fc
        .tuple(brokenRegistration(ctx), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 4 }))
        .map(([b, before, after]) =>
          post(`bulk.${b.field}`, '/raw-data-files/bulk', {
            files: [
              ...Array.from({ length: before }, valid),
              b.body,
              ...Array.from({ length: after }, valid),
            ],
          }),
        ),
      weight: 4,
    },
    {
      arbitrary: conflictingRegistration(ctx).map((b) =>
        post('bulk.conflict', '/raw-data-files/bulk', { files: [valid(), b, valid()] }),
      ),
      weight: 1,
    },
    {
      arbitrary: fc
        .constantFrom<(f: Record<string, unknown>) => Record<string, unknown>>(
          (f) => ({ ...f, size: (f.size as number) + 1 }),
          (f) => ({ ...f, path: `${f.path as string}.b` }),
          (f) => ({ ...f, id: (f.id as string).toUpperCase(), sha256: 'e'.repeat(64) }),
        )
        .map((change) => {
          const f = valid();
          return post('bulk.duplicate-id', '/raw-data-files/bulk', { files: [f, valid(), change(f)] });
        }),
      weight: 1,
    },
    {
      arbitrary: fc
        .constantFrom<() => unknown>(
          () => ({ files: [] }),
          () => ({ files: null }),
          () => ({}),
          () => ({ files: valid() }),
          () => ({ files: [null] }),
          () => ({ files: ['a'] }),
          () => ({ files: [[valid()]] }),
          () => ({ files: { 0: valid() } }),
          () => ({ files: [valid()], extra: 1 }),
          () => ({ files: Array.from({ length: ctx.bulkMax + 1 }, valid) }),
        )
        .map((make) => post('bulk.shape', '/raw-data-files/bulk', make())),
      weight: 1,
    },
  );
}

function obsUnitCases(ctx: RestFuzzContext, auth: string): Arbitrary<RestCase> {
  const start = (kind: string, body: unknown): RestCase => ({
    kind,
    method: 'POST',
    path: '/executed-obs-units/start',
    auth,
    body,
  });
  const finish = (kind: string, id: string, body: unknown): RestCase => ({
    kind,
    method: 'PUT',
    path: `/executed-obs-units/${enc(id)}/finish`,
    auth,
    body,
  });
  const startBreakers: Record<string, Arbitrary<unknown>> = {
    id: fc.oneof(fc.constant(MISSING), fc.constant(null), badUuid, notAString),
    obsUnit: fc.oneof(fc.constant(MISSING), fc.constant(''), tooLong(200), hostileText, notAString),
    instrument: fc.oneof(
      fc.constant(MISSING),
      fc.constantFrom('', 'pcam_280'),
      unknownName,
      hostileText,
      notAString,
    ),
    startedAt: fc.oneof(fc.constant(MISSING), fc.constant(null), badDate),
    metadata: fc.oneof(fc.string(), fc.integer(), fc.constant([]), fc.constant({ k: 'a\u0000' })),
    extra: fc.constant('x'),
  };
  return fc.oneof(
    fc
      .constantFrom(...Object.keys(startBreakers))
      .chain((field) =>
        startBreakers[field].map((v) => start(`start.${field}`, withField(obsUnitStart(), field, v))),
      ),
    fc
      .constantFrom({ obsUnit: 'other' }, { instrument: 'chai' }, { startedAt: '2020-01-01T00:00:00.000Z' })
      .map((change) => start('start.conflict', obsUnitStart({ id: ctx.unitId, ...change }))),
    fc
      .oneof(
        badUuid.map((id) => ({ id, body: {} })),
        unknownUuid.map((id) => ({ id, body: {} })),
        badDate.map((finishedAt) => ({ id: ctx.unitId, body: { finishedAt } })),
        fc.constant({ id: ctx.unitId, body: { finishedAt: '2000-01-01T00:00:00Z' } }),
        fc.constant({ id: ctx.finishedUnitId, body: { finishedAt: '2030-01-01T00:00:00Z' } }),
        fc
          .oneof(tooLong(200), hostileText, notAString)
          .map((outcome) => ({ id: ctx.unitId, body: { outcome } })),
        fc.constant({ id: ctx.unitId, body: { extra: true } }),
        fc.constant({ id: ctx.unitId, body: [] }),
      )
      .map(({ id, body }) => finish('finish', id, body)),
  );
}

export { bearer, enc, registrationCases, obsUnitCases };
