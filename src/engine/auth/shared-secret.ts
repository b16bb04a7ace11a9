import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Whether a presented secret is the configured one (METRICS_TOKEN, SITE_RELAY_TOKEN), compared as digests:
 * equal length, so the comparison takes the same time whatever was sent.
 */
export function isSameSecret(presented: string | null | undefined, expected: string): boolean {
  return !!presented && timingSafeEqual(digest(presented), digest(expected));
}
