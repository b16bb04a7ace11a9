import { Matches } from 'class-validator';

/**
 * An S3 key prefix as a location takes it: relative (no leading /), no `..` segment, and a folder: empty or
 * ending in `/`. Keys are joined to it without a separator, so `archive` would put a location's objects
 * beside `archive2/...` of another one (and list them as its own); `archive/` cannot.
 */
export const S3_KEY_PREFIX = /^(?!\/)(?!(.*\/)?\.\.(\/|$))(.*\/)?$/s;

export const IsS3KeyPrefix = () =>
  Matches(S3_KEY_PREFIX, { message: 'must be a relative key prefix ending in / (a folder), without ..' });
