import { setting } from '../../config/setting';
import { ConfigService } from '@nestjs/config';
import { EntityManager } from 'typeorm';
import { Environment } from '../../config/environment';
import { CopyKind, CopyStatus } from './physical-copy.states';
import { PackageState } from '../../pipeline/packaging/raw-data-package.states';

/**
 * What "safe" means, written once. A package is SAFE when it is ARCHIVED and copies of it that are PRESENT
 * and carry the package's own SHA-256 exist at long-term-archive locations (active or offline, retiring or
 * not: a retiring archive's copy is still there and verified) of at least `DELETION_MIN_LTA_SITES` distinct
 * *sites*: two archive locations at one site count once, a LOST, deleted or differing copy not at all.
 * Emptying a retiring archive asks the same question with that archive left out (`withoutLocation`).
 *
 * Everything that asks uses this file: the deletion rules and the worker's claim recount the copies
 * (`safeSiteCountSql`, under `lockCountedArchiveCopies`); status, alerts, metrics and the pipeline progress
 * read `raw_data_package.lta_site_count` through `isSafeSql`, a count that only `refreshSafeSiteCount`
 * writes, by the same condition, whenever a package's archive copies change (PhysicalCopyService).
 */

/** The condition on an archive copy `a` (at location `al`, of package `p`) that makes it count. */
export const countedArchiveCopy = (a: string, al: string, p: string) =>
  `${a}.kind = '${CopyKind.RAW_DATA_PACKAGE}' AND ${a}.status = '${CopyStatus.PRESENT}' AND ${a}.sha256 = ${p}.sha256
   AND ${al}.location_type = 'long_term_archive'`;

/**
 * The copy was shown to be there by its storage no longer than `maxAgeSeconds` (SQL) ago: verified when
 * written, re-hashed by the fixity audit, or confirmed by a presence check.
 */
export const confirmedWithin = (a: string, maxAgeSeconds: string) =>
  `greatest(${a}.verified_at, ${a}.confirmed_at) > now() - make_interval(secs => ${maxAgeSeconds})`;

/**
 * The number of distinct sites holding a counted copy of package `pkg` (an SQL expression for its id),
 * recounted from the copies; `confirmedWithinSeconds` (SQL) also requires a recent witness of each, and
 * `withoutLocation` (SQL for a location id, or NULL) leaves that location's copy out: is the package safe
 * without it (an archive being emptied)?
 */
export function safeSiteCountSql(
  pkg: string,
  confirmedWithinSeconds?: string,
  withoutLocation?: string,
): string {
  return `(SELECT count(DISTINCT sl.site_id) FROM physical_copy sa
             JOIN data_location sl ON sl.id = sa.location_id
             JOIN raw_data_package sp ON sp.id = sa.raw_data_package_id
            WHERE sa.raw_data_package_id = ${pkg} AND ${countedArchiveCopy('sa', 'sl', 'sp')}
              ${confirmedWithinSeconds ? `AND ${confirmedWithin('sa', confirmedWithinSeconds)}` : ''}
              ${withoutLocation ? `AND sa.location_id IS DISTINCT FROM ${withoutLocation}` : ''})`;
}

/**
 * Package `pkg` (an SQL expression for its id) is safe, recounted from its copies now; with
 * `withoutLocation`, safe without that location's copy (see safeSiteCountSql).
 */
export function isSafeNowSql(
  pkg: string,
  minSites: number,
  confirmedWithinSeconds?: string,
  withoutLocation?: string,
): string {
  assertMinSites(minSites);
  return `EXISTS (SELECT 1 FROM raw_data_package sq WHERE sq.id = ${pkg} AND sq.state = '${PackageState.ARCHIVED}'
                    AND ${safeSiteCountSql('sq.id', confirmedWithinSeconds, withoutLocation)} >= ${minSites})`;
}

/**
 * Package row `p` is safe, by the count refreshSafeSiteCount keeps (served by the partial index
 * ix_raw_data_package_archived_sites): for readers that look at the whole backlog or history.
 * `minSites` is SQL (a parameter such as `$1`, or a number).
 */
export const isSafeSql = (p: string, minSites: string) =>
  `(${p}.state = '${PackageState.ARCHIVED}' AND ${p}.lta_site_count >= ${minSites})`;

/** Package row `p` is not safe: the negation of isSafeSql, written so the same partial indexes serve it. */
export const isUnsafeSql = (p: string, minSites: string) =>
  `(${p}.state <> '${PackageState.ARCHIVED}' OR (${p}.state = '${PackageState.ARCHIVED}' AND ${p}.lta_site_count < ${minSites}))`;

/**
 * The ids of the packages not yet safe, as a SELECT: found by the partial indexes
 * ix_raw_data_package_not_archived and ix_raw_data_package_archived_sites, so its cost is the backlog's,
 * small beside the archived history. `minSites` is SQL (a parameter such as `$1`).
 */
export const unsafePackagesSql = (minSites: string) => `
  SELECT p.id FROM raw_data_package p WHERE ${isUnsafeSql('p', minSites)}`;

/** The number of files in safe packages, as a scalar subquery (by package, no scan of the files). */
export const safeFileCountSql = (minSites: string) =>
  `(SELECT coalesce(sum(file_count), 0) FROM raw_data_package p WHERE ${isSafeSql('p', minSites)})`;

/**
 * Archived packages held safely at fewer than `sites` (SQL) archive sites, as a FROM item: the partial
 * index ix_raw_data_package_archived_sites serves it, so its cost is that of the packages still missing
 * somewhere, not the history's.
 */
export const archivedAtFewerSitesThan = (sites: string) =>
  `(SELECT * FROM raw_data_package WHERE state = '${PackageState.ARCHIVED}' AND lta_site_count < ${sites})`;

/** The number of archived packages, as a scalar subquery: an index-only scan of ix_raw_data_package_archived_sites. */
export const ARCHIVED_PACKAGE_COUNT = `(SELECT count(*) FROM raw_data_package WHERE state = '${PackageState.ARCHIVED}')`;

/** Recounts the sites that hold the package safely, in the caller's transaction; returns the count. */
export async function refreshSafeSiteCount(tx: EntityManager, packageId: string): Promise<number> {
  // TypeORM returns [rows, count] for an UPDATE.
  const [[{ sites }]] = await tx.query(
    `UPDATE raw_data_package p SET lta_site_count = ${safeSiteCountSql('p.id')}
      WHERE p.id = $1 RETURNING lta_site_count AS sites`,
    [packageId],
  );
  return sites;
}

/**
 * Package `pkg` has a counted copy at site `site` at an archive location other than `except` that is not
 * retiring (SQL each): where a retiring archive's copy is re-homed.
 */
export const countedAtSiteOutside = (pkg: string, site: string, except: string) =>
  `EXISTS (SELECT 1 FROM physical_copy h JOIN data_location hl ON hl.id = h.location_id
             JOIN raw_data_package hp ON hp.id = h.raw_data_package_id
            WHERE h.raw_data_package_id = ${pkg} AND hl.site_id = ${site} AND hl.id <> ${except}
              AND NOT hl.retiring AND ${countedArchiveCopy('h', 'hl', 'hp')})`;

/**
 * A FROM item of the counted archive copies `a` (at location `al`, of package `p`) of the packages whose ids
 * `packageIds` (SQL for a uuid array) lists, with its WHERE: callers append `AND ...` conditions.
 */
export const countedArchiveCopiesOf = (packageIds: string) =>
  `physical_copy a JOIN data_location al ON al.id = a.location_id
     JOIN raw_data_package p ON p.id = a.raw_data_package_id
    WHERE a.raw_data_package_id = ANY(${packageIds}) AND ${countedArchiveCopy('a', 'al', 'p')}`;

/**
 * Locks the archive copies that make package `packageId` safe, FOR SHARE, for the rest of the caller's
 * transaction: a copy being marked LOST (which takes the row FOR UPDATE through the copy transitions)
 * either committed before this lock, and is then not counted, or waits until the caller has decided.
 */
export async function lockCountedArchiveCopies(tx: EntityManager, packageId: string): Promise<void> {
  await tx.query(
    `SELECT a.id FROM physical_copy a JOIN data_location al ON al.id = a.location_id
       JOIN raw_data_package p ON p.id = a.raw_data_package_id
      WHERE a.raw_data_package_id = $1 AND ${countedArchiveCopy('a', 'al', 'p')}
      ORDER BY a.id FOR SHARE OF a`,
    [packageId],
  );
}

export interface SafeSites {
  /** Short names of the sites holding a counted copy, in name order. */
  sites: string[];
  safe: boolean;
}

/** The sites that hold package `packageId` safely, and whether that makes it safe (explain, deletion plan). */
export async function safeSitesOf(m: EntityManager, packageId: string, minSites: number): Promise<SafeSites> {
  const rows: { site: string; archived: boolean }[] = await m.query(
    `SELECT DISTINCT s.short_name AS site, p.state = '${PackageState.ARCHIVED}' AS archived
       FROM physical_copy a JOIN data_location al ON al.id = a.location_id JOIN site s ON s.id = al.site_id
       JOIN raw_data_package p ON p.id = a.raw_data_package_id
      WHERE a.raw_data_package_id = $1 AND ${countedArchiveCopy('a', 'al', 'p')}
      ORDER BY 1`,
    [packageId],
  );
  const sites = rows.map((r) => r.site);
  return { sites, safe: sites.length >= minSites && rows.every((r) => r.archived) };
}

/** "safe at cologne, us", or "only at cologne: waiting for a second site": how people are told. */
export function describeSafety(s: SafeSites, minSites: number): string {
  if (s.safe) return `safe at ${s.sites.join(', ')}`;
  const missing = minSites - s.sites.length;
  const wanted = missing === 1 ? `a ${ordinal(s.sites.length + 1)} site` : `${missing} more sites`;
  if (s.sites.length === 0) return `at no archive site yet: waiting for ${minSites === 1 ? 'one' : minSites}`;
  if (missing <= 0) return `at ${s.sites.join(', ')}, not yet ARCHIVED`;
  return `only at ${s.sites.join(', ')}: waiting for ${wanted}`;
}

const ordinal = (n: number) => ['first', 'second', 'third', 'fourth'][n - 1] ?? `${n}th`;

/** Inlined into SQL: only ever a positive integer (the config validates it; this guards every caller). */
function assertMinSites(min: number): void {
  if (!Number.isInteger(min) || min < 1)
    throw new Error(`DELETION_MIN_LTA_SITES must be a positive integer, not ${min}`);
}

/**
 * Keeps lta_site_count true after copies were made or changed status: recounts the packages of those of
 * `copyIds` that are package copies in a long-term archive (others cannot change the count), in the
 * caller's transaction.
 */
export async function refreshSafeSiteCountOfCopies(tx: EntityManager, copyIds: string[]): Promise<void> {
  if (copyIds.length === 0) return;
  await tx.query(
    `UPDATE raw_data_package p SET lta_site_count = ${safeSiteCountSql('p.id')}
      WHERE p.id IN (SELECT c.raw_data_package_id FROM physical_copy c JOIN data_location l ON l.id = c.location_id
                      WHERE c.id = ANY($1::uuid[]) AND c.kind = 'raw_data_package'
                        AND l.location_type = 'long_term_archive')`,
    [copyIds],
  );
}

/** DELETION_MIN_LTA_SITES as configured: the one place its default is taken. */
export function minSafeSites(config: ConfigService<Environment, true>): number {
  return setting(config, 'DELETION_MIN_LTA_SITES');
}

/** For each of `packageIds`, the sites holding a counted copy (name order): one query for a whole plan. */
export async function safeSitesOfPackages(
  m: EntityManager,
  packageIds: string[],
): Promise<Map<string, string[]>> {
  const rows: { id: string; sites: string[] }[] = packageIds.length
    ? await m.query(
        `SELECT a.raw_data_package_id AS id, array_agg(DISTINCT s.short_name ORDER BY s.short_name) AS sites
           FROM physical_copy a JOIN data_location al ON al.id = a.location_id JOIN site s ON s.id = al.site_id
           JOIN raw_data_package p ON p.id = a.raw_data_package_id
          WHERE a.raw_data_package_id = ANY($1::uuid[]) AND ${countedArchiveCopy('a', 'al', 'p')}
          GROUP BY 1`,
        [[...new Set(packageIds)]],
      )
    : [];
  return new Map(rows.map((r) => [r.id, r.sites]));
}
