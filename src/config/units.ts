const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const BYTE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

/** `90s`, `30m`, `1h`, `250ms`, or a bare number of milliseconds; NaN if it is none of these. */
export function parseDuration(value: unknown): number {
  if (typeof value === 'number') return value;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/i.exec(String(value));
  return m ? Math.round(Number(m[1]) * DURATION_UNITS[(m[2] ?? 'ms').toLowerCase()]) : NaN;
}

/** `50GB` (decimal), `64MiB` (binary), or a bare number of bytes; NaN if it is none of these. */
export function parseBytes(value: unknown): number {
  if (typeof value === 'number') return value;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]i?b|b)?\s*$/i.exec(String(value));
  return m ? Math.round(Number(m[1]) * BYTE_UNITS[(m[2] ?? 'b').toLowerCase()]) : NaN;
}
