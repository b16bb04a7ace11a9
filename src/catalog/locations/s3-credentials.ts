/**
 * What an S3 location may name as its credentials, and over what: one rule for the topology file (refused
 * at apply) and the storage layer (refused before a request is signed, for a row made any other way).
 * The variable names follow a pattern so that no other setting (DATABASE_URL, a token) can be read out and
 * sent to an S3 endpoint, and credentials travel in clear only where a location says so.
 */
export const S3_ACCESS_KEY_ENV = /^[A-Z][A-Z0-9_]*_S3_ACCESS_KEY$/;
export const S3_SECRET_KEY_ENV = /^[A-Z][A-Z0-9_]*_S3_SECRET_KEY$/;

/** Why an endpoint may not be used, or null: plain http only with `allowInsecureHttp`. */
export function insecureEndpointProblem(
  endpoint: string | null | undefined,
  allowInsecureHttp: boolean,
): string | null {
  if (!endpoint || !/^http:\/\//i.test(endpoint) || allowInsecureHttp) return null;
  return `endpoint ${endpoint} is plain http: credentials and bytes would travel in clear; use https, or say allowInsecureHttp: true (a test server on this host)`;
}
