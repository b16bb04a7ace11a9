import { EntityManager } from 'typeorm';
import { countedAtSiteOutside, isSafeNowSql } from '../../../catalog/physical-copies/package-safety';
import {
  CopyKind,
  CopyStatus,
  LIVE_COPY_STATUSES,
} from '../../../catalog/physical-copies/physical-copy.states';
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

/** A retiring archive location at a glance, for status, the overview and the page. */
export interface RetiringArchive {
  /** `site/location`. */
  location: string;
  /** Live package copies still held there, and how many of those may not leave yet. */
  held: number;
  depending: number;
  /** Copies removed by emptying. */
  removed: number;
  emptyingSince: Date | null;
  emptyingBy: string | null;
}

/**
 * Every retiring archive location with its counts, by the same condition the deletion rule and the plan
 * use (`mayLeaveRetiringArchive`, without witnesses). Its cost is the retiring locations' copies: nothing
 * while none retires.
 */
export function retiringArchives(m: EntityManager, minSites: number): Promise<RetiringArchive[]> {
  return m.query(
    `SELECT s.short_name || '/' || l.name AS location,
            count(c.id) FILTER (WHERE c.status = ANY($1::copy_status[]))::int AS held,
            count(c.id) FILTER (WHERE c.status = ANY($1::copy_status[])
                                  AND NOT ${mayLeaveRetiringArchive('c', 'l', minSites)})::int AS depending,
            count(c.id) FILTER (WHERE c.status = '${CopyStatus.DELETED}')::int AS removed,
            l.emptying_requested_at AS "emptyingSince", l.emptying_requested_by AS "emptyingBy"
       FROM data_location l JOIN site s ON s.id = l.site_id
       LEFT JOIN physical_copy c ON c.location_id = l.id AND c.kind = '${CopyKind.RAW_DATA_PACKAGE}'
      WHERE l.retiring AND l.location_type = '${LocationType.LONG_TERM_ARCHIVE}'
      GROUP BY s.short_name, l.name, l.emptying_requested_at, l.emptying_requested_by
      ORDER BY 1`,
    [LIVE_COPY_STATUSES],
  );
}

/** "cologne/lta retiring: 16 package copies held, 4 still depend on it", and its emptying. */
export function retiringLine(r: RetiringArchive): string {
  if (r.held === 0)
    return `${r.location} retired: nothing held any more (${r.removed} removed); it may be set inactive`;
  const state = r.emptyingSince
    ? `being emptied since ${r.emptyingSince.toISOString()} by ${r.emptyingBy}`
    : 'retiring';
  const depending = r.depending === 0 ? 'none depends on it' : `${r.depending} still depend on it`;
  return `${r.location} ${state}: ${r.held} package copies held, ${depending}${r.removed ? `, ${r.removed} removed` : ''}`;
}
