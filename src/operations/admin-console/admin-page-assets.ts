import { join } from 'node:path';

/** Beside this file in src/ (ts-jest) and in dist/ (the build script copies the folder there). */
export const ADMIN_PAGE_DIR = join(__dirname, 'public');

/** Every file the page is made of: nothing else in (or outside) the folder is ever served. */
export const ADMIN_PAGE_FILES: readonly string[] = [
  'index.html',
  'console.css',
  'panels.css',
  'sites-search.css',
  'console.js',
  'api.js',
  'dom.js',
  'overview.js',
  'history.js',
  'charts.js',
  'sites.js',
  'failures.js',
  'queues.js',
  'search.js',
];
const ASSETS = new Set(ADMIN_PAGE_FILES);

/** The file name to send for a request, or null (a 404) for anything that is not one of the page's files. */
export function adminAsset(name: string): string | null {
  return ASSETS.has(name) ? name : null;
}

/**
 * The page talks to its own origin only: scripts and styles from files (no inline script, no eval), API
 * calls to /graphql, no framing. `no-cache` means "revalidate", not "do not store".
 */
export const ADMIN_PAGE_HEADERS: Record<string, string> = {
  'Content-Security-Policy': [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; '),
  'Cache-Control': 'no-cache',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};
