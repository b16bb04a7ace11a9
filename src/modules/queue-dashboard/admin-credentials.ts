import { IncomingHttpHeaders } from 'node:http';
import { bearerTokenOf } from '../auth/authorize';

/** The cookie the /admin page sets (path=/admin) when an operator signs in, so a browser can open the board. */
export const ADMIN_TOKEN_COOKIE = 'ccat_admin_token';

/**
 * The token a request presents: `Authorization: Bearer <token>` first (scripts, curl), else the admin
 * cookie (a browser). Null when it presents neither; a malformed Authorization header is an error rather
 * than a silent fall-back to the cookie, so a script with a typo is told what is wrong.
 */
export function presentedToken(headers: IncomingHttpHeaders): string | null {
  return bearerTokenOf(headers.authorization) ?? cookieValue(headers.cookie, ADMIN_TOKEN_COOKIE);
}

/** One cookie's value from a Cookie header (RFC 6265: `a=1; b=2`, values possibly percent-encoded). */
export function cookieValue(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0 || pair.slice(0, eq).trim() !== name) continue;
    const raw = pair
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
    try {
      return decodeURIComponent(raw) || null;
    } catch {
      return raw || null;
    }
  }
  return null;
}
