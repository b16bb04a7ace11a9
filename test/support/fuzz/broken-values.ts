import { randomUUID } from 'node:crypto';
import fc, { Arbitrary } from 'fast-check';
import { unsafeRelativePathReason } from '../../../src/engine/validation/is-safe-relative-path';

/** Marks a field to be left out of the request altogether. */
export const MISSING = Symbol('missing');
export type Broken = unknown;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const sample = '3f2b8c1e-9d4a-4e6b-8f0a-1c2d3e4f5a6b';

/** Strings that are almost a UUID, and strings that are nothing like one. */
export const badUuid: Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    'not-a-uuid',
    '',
    '1234',
    sample.slice(0, 35),
    `${sample}0`,
    sample.replace(/-/g, ''),
    `g${sample.slice(1)}`,
    `{${sample}}`,
    ` ${sample}`,
    `${sample}\u0000`,
    sample.replace('3', '３'),
    "' OR 1=1 --",
    '../../etc/passwd',
  ),
  fc.string({ maxLength: 40 }).filter((s) => !UUID.test(s)),
);

/** A well-formed UUID that names nothing in the database. */
export const unknownUuid: Arbitrary<string> = fc.constant(null).map(() => randomUUID());

/** Values of the wrong JSON type for a string field. */
export const notAString: Arbitrary<unknown> = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 2 }),
);

/** Values of the wrong JSON type, or out of range, for a non-negative integer field. */
export const notACount: Arbitrary<unknown> = fc.oneof(
  fc.integer({ max: -1 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Number.isInteger(d)),
  fc.constantFrom(1e20, 1e300, -0.5, 2 ** 53 + 2, Number.MAX_VALUE, -Number.MAX_VALUE),
  fc.constantFrom('1024', '', '0x10', '1e3', true, false, [], {}, [1]),
);

/** Strings no PostgreSQL text column can hold, or that a careless layer would mangle. */
export const hostileText: Arbitrary<string> = fc.constantFrom(
  'a\u0000b',
  '\u0000',
  'x\ud800y',
  '\udfff',
  'é\u0000\u202e',
);

/** Names a catalogue never has: not found, wherever they are looked up. */
export const unknownName: Arbitrary<string> = fc.oneof(
  fc.stringMatching(/^[a-z_]{1,12}$/).map((s) => `nope_${s}`),
  fc.constantFrom('CCAT', 'ccat ', ' ccat', 'Ccat', 'ｃｃａｔ', '%', '*', "ccat'--", 'ccat;DROP TABLE site'),
);

export const tooLong = (limit: number): Arbitrary<string> =>
  fc.integer({ min: limit + 1, max: limit * 4 + 10 }).map((n) => 'x'.repeat(n));

/** Relative paths that leave their root, or are not relative paths at all. */
export const unsafePath: Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '../x.fits',
    'a/../../b.fits',
    'a/..',
    '..',
    '/etc/passwd',
    '/abs/file.fits',
    'C:\\data\\x.fits',
    'c:/data/x.fits',
    'a\\..\\b',
    'a//b.fits',
    './a.fits',
    'a/./b.fits',
    'a/',
    '',
    'a\nb',
    'a\u0000b',
    'a\u007fb',
  ),
  fc
    .array(fc.constantFrom('..', 'a', 'b', '.', ''), { minLength: 2, maxLength: 6 })
    .map((s) => s.join('/'))
    .filter((p) => unsafeRelativePathReason(p) !== null),
  tooLong(1024),
);

/** Strings that are not strict ISO 8601 date-times. */
export const badDate: Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    'yesterday',
    '',
    '2026-13-01T00:00:00Z',
    '2026-11-24T25:00:00Z',
    '2026-02-30T00:00:00Z',
    '24/11/2026',
    '2026-11-24T01:00:00Z\u0000',
    'now()',
  ),
  fc.integer(),
  fc.boolean(),
  fc.constant([]),
  fc.constant({}),
);

/** A SHA-256 that is not 64 hex characters. */
export const badSha256: Arbitrary<unknown> = fc.oneof(
  fc
    .integer({ min: 0, max: 200 })
    .filter((n) => n !== 64)
    .map((n) => 'a'.repeat(n)),
  fc.constantFrom(
    `${'a'.repeat(63)}g`,
    `${'a'.repeat(63)} `,
    `${'a'.repeat(63)}\u0000`,
    `0x${'a'.repeat(62)}`,
  ),
  notAString,
);

/** Object keys that would pollute a prototype if some layer merged the body naively. */
export const pollutionKey = fc.constantFrom('__proto__', 'constructor', 'prototype');

/** Sets `field` of a copy of `valid` to `value`, or removes it for MISSING. */
export function withField<T extends object>(
  valid: T,
  field: string,
  value: unknown,
): Record<string, unknown> {
  const copy = { ...valid } as Record<string, unknown>;
  if (value === MISSING) delete copy[field];
  else copy[field] = value;
  return copy;
}

/** JSON text of `body` with a key added at the front that JSON.parse keeps as an own property. */
export function withRawKey(body: object, key: string, value: unknown): string {
  const rest = JSON.stringify(body).slice(1);
  return `{${JSON.stringify(key)}:${JSON.stringify(value)}${rest === '}' ? '' : ','}${rest}`;
}
