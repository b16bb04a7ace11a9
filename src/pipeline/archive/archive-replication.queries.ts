import { EntityManager } from 'typeorm';
import {
  ARCHIVED_PACKAGE_COUNT,
  archivedAtFewerSitesThan,
  countedArchiveCopiesOf,
} from '../../catalog/physical-copies/package-safety';
import { OperationStatus } from '../../engine/work/operation-status';
import { bundleDistributed } from '../bundling/data-transfer-package.queries';
import {
  archivedPackagesAmong,
  packagesInState,
  packagesOfObsUnits,
  sizeOfPackage,
} from '../packaging/raw-data-package.queries';
import { URGENT_OBS_UNITS } from '../ingest/obs-unit-priority.queries';
import { PackageState } from '../packaging/raw-data-package.states';
import { ArchiveRole } from '../../catalog/locations/location-type';
import { CopyKind, CopyStatus } from '../../catalog/physical-copies/physical-copy.states';
import { LocationType } from '../../catalog/locations/location-type';
import { takesNewArchiveCopies } from '../../catalog/locations/location.queries';

/** An archived package missing at an active archive location's site. */
export interface MissingArchiveCopy {
  packageId: string;
  size: number;
  destinationId: number;
  destinationSiteId: number;
  destinationSite: string;
}

/** A verified archive copy that a missing one can be made from. */
export interface ArchiveHolder {
  packageId: string;
  locationId: number;
  siteId: number;
  site: string;
  /** Where its worker serves it to other sites; null if it does not. */
  dataUrl: string | null;
}

/** The archive locations that take new copies (active, not retiring, not tape): replication's destinations. */
const ACTIVE_ARCHIVES = `SELECT l.id, l.site_id, s.short_name, l.name, l.archive_role FROM data_location l
  JOIN site s ON s.id = l.site_id WHERE ${takesNewArchiveCopies('l')}`;

/**
 * Archived packages with a copy (in any state but deleted) at a retiring archive: each must be re-homed,
 * at that site if it has another archive, before the retiring one may be emptied. Read from the retiring
 * locations' copies (few locations, by the index on location), so it costs nothing while none retires.
 */
const HELD_AT_RETIRING = `SELECT rc.raw_data_package_id FROM data_location rl
  JOIN physical_copy rc ON rc.location_id = rl.id AND rc.kind = '${CopyKind.RAW_DATA_PACKAGE}' AND rc.status <> '${CopyStatus.DELETED}'
 WHERE rl.retiring AND rl.location_type = '${LocationType.LONG_TERM_ARCHIVE}'`;

/**
 * Archive `a` (a row of `archives`) lacks package `pkg`: no copy in any state (a LOST one is the repair's)
 * stands for it outside a retiring archive (a copy there is about to go). A mirror's own copy stands for
 * it; for a failover, a copy at any of its site's failovers.
 */
const lacksAt = (a: string, pkg: string) =>
  `NOT EXISTS (SELECT 1 FROM physical_copy c JOIN data_location cl ON cl.id = c.location_id
                WHERE c.raw_data_package_id = ${pkg} AND NOT cl.retiring AND c.status <> '${CopyStatus.DELETED}'
                  AND (cl.id = ${a}.id OR (${a}.archive_role = '${ArchiveRole.FAILOVER}' AND cl.site_id = ${a}.site_id
                                           AND cl.archive_role = '${ArchiveRole.FAILOVER}')))`;

/**
 * Archives behind the others: a mirror, or a site's failovers, added after the history was archived. Each
 * mirror holds its own copy of everything and a site's failovers one between them, so what such an archive
 * lacks is backlog too. It is behind when it holds fewer copies (live, by location_copy_totals; a
 * failover counts its site's failovers') than the fullest less the packages still on their way to some
 * site (a night's packages reach the archives at different times, so those do not count). Its cost is a
 * few totals rows and the count of that backlog; the history is read only for an archive behind.
 */
const ARCHIVES_BEHIND = `WITH held AS (
    SELECT a.id, (SELECT coalesce(sum(t.copies), 0) FROM location_copy_totals t JOIN data_location tl ON tl.id = t.location_id
                   WHERE CASE WHEN a.archive_role = '${ArchiveRole.MIRROR}' THEN tl.id = a.id
                              ELSE tl.site_id = a.site_id AND tl.archive_role = '${ArchiveRole.FAILOVER}' AND NOT tl.retiring END) AS n
      FROM archives a)
  SELECT id FROM held
   WHERE n < (SELECT max(n) FROM held)
             - (SELECT count(*) FROM ${archivedAtFewerSitesThan('(SELECT count(DISTINCT site_id) FROM archives)')} w)`;

/** Archived packages that an archive behind lacks: read from the archives behind, so nothing while none is. */
const MISSING_AT_ARCHIVES_BEHIND = `SELECT ap.id FROM archives_behind ab JOIN archives ba ON ba.id = ab.id
  CROSS JOIN LATERAL (SELECT id FROM ${packagesInState(`'${PackageState.ARCHIVED}'`)} ap0
                       WHERE ${lacksAt('ba', 'ap0.id')}) ap`;

/**
 * The replication backlog, written once for the planner and every view of it, as CTEs: `archives` (the
 * archive locations that take new copies) and `backlog`: the packages ARCHIVED at fewer sites than have
 * such an archive, those held at a retiring archive, and those an archive behind lacks (only those are read:
 * the backlog, not the history), with `settled` when their bundle (if they had one) is distributed, so
 * that the night's buffer path is done with them and what is still missing is replication's to fill.
 */
const BACKLOG_CTES = `archives AS (${ACTIVE_ARCHIVES}),
  archives_behind AS (${ARCHIVES_BEHIND}),
  backlog AS (SELECT p.id, p.size::float8 AS size, p.created_at,
                     (p.data_transfer_package_id IS NULL OR ${bundleDistributed('p.data_transfer_package_id')}) AS settled
                FROM ${archivedPackagesAmong(`SELECT id FROM ${archivedAtFewerSitesThan('(SELECT count(DISTINCT site_id) FROM archives)')} f
                                                UNION ${HELD_AT_RETIRING}
                                                UNION ${MISSING_AT_ARCHIVES_BEHIND}`)} p)`;

/** Site `site` has an archive (a row of `archives`) that lacks package `pkg`. */
const siteLacks = (site: string, pkg: string) =>
  `EXISTS (SELECT 1 FROM archives sa WHERE sa.site_id = ${site} AND ${lacksAt('sa', pkg)})`;

/** Archive transfers whose origin is an archive location: replication, not the buffer path. */
const REPLICATION_TRANSFERS = `long_term_archive_transfer t
  JOIN data_location o ON o.id = t.origin_location_id AND o.location_type = 'long_term_archive'
  JOIN data_location d ON d.id = t.destination_location_id`;

/**
 * Up to `limit` (package, archive location) pairs to fill, urgent obs units' packages first, then oldest
 * first: a settled backlog package
 * that the location lacks (lacksAt), and no archive transfer into that location was ever planned (one that
 * failed waits for an operator's reset). Sites in `pausedSiteIds` get nothing new.
 */
export function findMissingArchiveCopies(
  m: EntityManager,
  limit: number,
  pausedSiteIds: number[] = [],
): Promise<MissingArchiveCopy[]> {
  return m.query(
    `WITH ${BACKLOG_CTES}
     SELECT p.id AS "packageId", p.size, a.id AS "destinationId",
            a.site_id AS "destinationSiteId", a.short_name AS "destinationSite"
       FROM backlog p CROSS JOIN archives a
      WHERE p.settled AND a.site_id <> ALL($2::int[]) AND ${lacksAt('a', 'p.id')}
        AND NOT EXISTS (SELECT 1 FROM long_term_archive_transfer t
                         WHERE t.raw_data_package_id = p.id AND t.destination_location_id = a.id)
      ORDER BY p.id IN ${packagesOfObsUnits(URGENT_OBS_UNITS)} DESC, p.created_at, a.id
      LIMIT $1`,
    [limit, pausedSiteIds],
  );
}

/** One active archive site's share of the backlog. */
export interface SiteBacklog {
  siteId: number;
  site: string;
  /** Its active archive locations' names. */
  locations: string[];
  /** Archived packages whose bundle is settled: what every archive site should hold. */
  total: number;
  /** Of those, how many it lacks (the planner's candidates, planned or not). */
  lacking: number;
  bytesToGo: number;
  /** Replication transfers into it waiting or running, and failed ones (they wait for a reset). */
  open: number;
  failed: number;
  /** Bytes that replication brought to it in the last hour. */
  bytesLastHour: number;
}

/**
 * The backlog per active archive site, by the planner's own definition. Its cost is the backlog's: the
 * total is an index-only count of the archived packages, less the unsettled ones of the backlog.
 */
export function replicationBacklog(m: EntityManager): Promise<SiteBacklog[]> {
  // Literal statuses (constants of the code), so that the partial indexes on open and failed work serve them.
  const S = OperationStatus;
  const open = `'${S.PENDING}', '${S.SCHEDULED}', '${S.IN_PROGRESS}'`;
  return m.query(
    `WITH ${BACKLOG_CTES},
          sites AS (SELECT site_id, short_name, array_agg(name ORDER BY name) AS locations
                      FROM archives GROUP BY site_id, short_name)
     SELECT s.site_id AS "siteId", s.short_name AS site, s.locations,
            (${ARCHIVED_PACKAGE_COUNT} - (SELECT count(*) FROM backlog WHERE NOT settled))::int AS total,
            m.lacking, m."bytesToGo", w.open, w.failed, h.bytes AS "bytesLastHour"
       FROM sites s
      CROSS JOIN LATERAL (SELECT count(*)::int AS lacking, coalesce(sum(p.size), 0)::float8 AS "bytesToGo"
                            FROM backlog p WHERE p.settled AND ${siteLacks('s.site_id', 'p.id')}) m
      CROSS JOIN LATERAL (SELECT count(*) FILTER (WHERE t.status IN (${open}))::int AS open,
                                 count(*) FILTER (WHERE t.status = '${S.FAILED}')::int AS failed
                            FROM ${REPLICATION_TRANSFERS}
                           WHERE d.site_id = s.site_id
                             AND (t.status IN (${open}) OR t.status = '${S.FAILED}')) w
      CROSS JOIN LATERAL (SELECT coalesce(sum(${sizeOfPackage('t.raw_data_package_id')}), 0)::float8 AS bytes
                            FROM ${REPLICATION_TRANSFERS}
                           WHERE d.site_id = s.site_id AND t.status = '${S.COMPLETED}'
                             AND t.updated_at > now() - interval '1 hour') h
      ORDER BY s.short_name`,
  );
}

/**
 * The verified archive copies of `packageIds` at active archive locations (a retiring one included: its
 * copies are what re-homing reads), by location priority.
 */
export function archiveHolders(m: EntityManager, packageIds: string[]): Promise<ArchiveHolder[]> {
  if (packageIds.length === 0) return Promise.resolve([]);
  return m.query(
    `SELECT a.raw_data_package_id AS "packageId", al.id AS "locationId", al.site_id AS "siteId",
            (SELECT short_name FROM site WHERE id = al.site_id) AS site, al.data_url AS "dataUrl"
       FROM ${countedArchiveCopiesOf('$1::uuid[]')} AND al.active AND al.storage_type <> 'tape'
      ORDER BY al.priority, al.id`,
    [[...new Set(packageIds)]],
  );
}

/** Bytes planned by replication into each archive site over the last day, by site id. */
export async function replicatedBytesToday(m: EntityManager): Promise<Map<number, number>> {
  const rows: { siteId: number; bytes: number }[] = await m.query(
    `SELECT d.site_id AS "siteId", coalesce(sum(${sizeOfPackage('t.raw_data_package_id')}), 0)::float8 AS bytes
       FROM ${REPLICATION_TRANSFERS}
      WHERE t.created_at > now() - interval '1 day'
      GROUP BY d.site_id`,
  );
  return new Map(rows.map((r) => [r.siteId, r.bytes]));
}

/** Plans archive transfers from an archive copy; returns how many were new. */
export async function planReplications(
  m: EntityManager,
  plans: { packageId: string; originId: number; destinationId: number }[],
): Promise<number> {
  if (plans.length === 0) return 0;
  const created: unknown[] = await m.query(
    `INSERT INTO long_term_archive_transfer (raw_data_package_id, origin_location_id, destination_location_id)
     SELECT * FROM unnest($1::uuid[], $2::int[], $3::int[])
     ON CONFLICT ON CONSTRAINT uq_long_term_archive_transfer_destination DO NOTHING
     RETURNING id`,
    [plans.map((p) => p.packageId), plans.map((p) => p.originId), plans.map((p) => p.destinationId)],
  );
  return created.length;
}

/** The sites with an archive location that replication writes to, by short name: id. */
export async function activeArchiveSites(m: EntityManager): Promise<Map<string, number>> {
  const rows: { site: string; id: number }[] = await m.query(
    `SELECT DISTINCT short_name AS site, site_id AS id FROM (${ACTIVE_ARCHIVES}) a ORDER BY 1`,
  );
  return new Map(rows.map((r) => [r.site, r.id]));
}
