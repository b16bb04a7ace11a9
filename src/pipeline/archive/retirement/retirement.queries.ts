import { countedAtSiteOutside, isSafeNowSql } from '../../../catalog/physical-copies/package-safety';
import { takesNewArchiveCopies } from '../../../catalog/locations/location.queries';
import { LocationType } from '../../../catalog/locations/location-type';
import { archiveUploadReadsFrom } from '../long-term-archive.queries';

/*
 * When a retiring archive's copy may go, written once: the deletion rule that empties it, the worker's
 * claim that asks again, and `ccat-dt location retire --plan` all compose these. Arguments are SQL.
 */

/** Archive location `l` is retiring and an operator asked for it to be emptied. */
export const beingEmptied = (l: string) =>
  `(${l}.location_type = '${LocationType.LONG_TERM_ARCHIVE}' AND ${l}.retiring AND ${l}.emptying_requested_at IS NOT NULL)`;

/**
 * Package copy `c`'s site still holds the package at another archive, not retiring, verified, if the site
 * of `c`'s archive `l` has another that takes new copies: a site moving to new storage keeps its copy
 * there rather than only elsewhere. A site with no other archive has nowhere to keep it; the other sites'
 * copies are then what counts.
 */
export const rehomedAtItsSite = (c: string, l: string) =>
  `(NOT EXISTS (SELECT 1 FROM data_location o WHERE o.site_id = ${l}.site_id AND o.id <> ${l}.id
                  AND ${takesNewArchiveCopies('o')})
    OR ${countedAtSiteOutside(`${c}.raw_data_package_id`, `${l}.site_id`, `${l}.id`)})`;

/** No archive transfer still reads package copy `c` from where it is. */
export const readByNoTransfer = (c: string) =>
  `NOT ${archiveUploadReadsFrom(`${c}.raw_data_package_id`, `${c}.location_id`)}`;

/** Package copy `c`'s package is safe without it (package-safety.ts), witnessed within `witnessSeconds` if given. */
export const safeWithoutIt = (c: string, minSites: number, witnessSeconds?: string) =>
  isSafeNowSql(`${c}.raw_data_package_id`, minSites, witnessSeconds, `${c}.location_id`);

/**
 * Package copy `c` at retiring archive `l` may leave it: the package is safe without this copy, re-homed
 * at its site, and no archive transfer reads it.
 */
export const mayLeaveRetiringArchive = (c: string, l: string, minSites: number, witnessSeconds?: string) =>
  `(${safeWithoutIt(c, minSites, witnessSeconds)} AND ${rehomedAtItsSite(c, l)} AND ${readByNoTransfer(c)})`;
