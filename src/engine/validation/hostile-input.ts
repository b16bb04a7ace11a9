/**
 * Keys that JSON.parse keeps as own properties but class-transformer drops without a word, so the
 * whitelist never sees them: a body that sends them meant something we do not do, and is refused.
 */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** At most this deep: deeper input is refused, not walked (a recursion bomb must not cost a stack). */
const MAX_DEPTH = 64;

const describe = (path: string) => path || 'body';

const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * What is wrong with a request value before any validator sees it, or null: keys that would reach a
 * prototype, and strings PostgreSQL cannot store (NUL) or UTF-8 cannot encode (unpaired surrogates),
 * which would otherwise fail deep in a query as a 500 or be silently mangled. `path` names the value
 * as the client wrote it (`files[2].metadata.note`).
 */
export function hostileInputReason(value: unknown, path = '', depth = 0): string | null {
  if (typeof value === 'string') return unstorableTextReason(value, describe(path));
  if (value === null || typeof value !== 'object') return null;
  if (depth > MAX_DEPTH) return `${describe(path)}: nested more than ${MAX_DEPTH} levels deep`;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const why = hostileInputReason(value[i], `${path}[${i}]`, depth + 1);
      if (why) return why;
    }
    return null;
  }
  for (const key of Object.keys(value)) {
    const at = path ? `${path}.${key}` : key;
    if (FORBIDDEN_KEYS.has(key)) return `${at}: the key ${key} is not allowed`;
    const why = unstorableTextReason(key, `${describe(path)} key ${JSON.stringify(key)}`);
    if (why) return why;
    const inner = hostileInputReason((value as Record<string, unknown>)[key], at, depth + 1);
    if (inner) return inner;
  }
  return null;
}

function unstorableTextReason(text: string, where: string): string | null {
  if (text.includes('\u0000')) return `${where}: must not contain NUL characters`;
  if (UNPAIRED_SURROGATE.test(text)) return `${where}: must be valid Unicode (it has an unpaired surrogate)`;
  return null;
}
