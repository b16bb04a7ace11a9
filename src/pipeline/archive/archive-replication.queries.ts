import { EntityManager } from 'typeorm';
import {
  archivedAtFewerSitesThan,
  countedArchiveCopiesOf,
} from '../../catalog/physical-copies/package-safety';
import { bundleDistributed } from '../bundling/data-transfer-package.queries';
import { sizeOfPackage } from '../packaging/package-bundle.queries';

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

/** Active archive locations that a backend can write (tape is modelled, not written yet). */
const ACTIVE_ARCHIVES = `SELECT l.id, l.site_id, s.short_name FROM data_location l JOIN site s ON s.id = l.site_id
  WHERE l.location_type = 'long_term_archive' AND l.active AND l.storage_type <> 'tape'`;

/**
 * Up to `limit` (package, archive location) pairs to fill, oldest package first: the package is ARCHIVED
 * at fewer sites than have an active archive, its bundle (if it had one) is distributed, so the night's
 * buffer path is done with it, the location's site holds no copy of it in any state (a LOST one is the
 * repair's), and no archive transfer into that location was ever planned (one that failed waits for an
 * operator's reset). Only packages below the count of active sites are read: the backlog, not the history.
 */
export function findMissingArchiveCopies(m: EntityManager, limit: number): Promise<MissingArchiveCopy[]> {
  return m.query(
    `WITH archives AS (${ACTIVE_ARCHIVES})
     SELECT p.id AS "packageId", p.size::float8 AS size, a.id AS "destinationId",
            a.site_id AS "destinationSiteId", a.short_name AS "destinationSite"
       FROM ${archivedAtFewerSitesThan('(SELECT count(DISTINCT site_id) FROM archives)')} p
      CROSS JOIN archives a
      WHERE (p.data_transfer_package_id IS NULL OR ${bundleDistributed('p.data_transfer_package_id')})
        AND NOT EXISTS (SELECT 1 FROM physical_copy c JOIN data_location cl ON cl.id = c.location_id
                         WHERE c.raw_data_package_id = p.id AND cl.site_id = a.site_id
                           AND cl.location_type = 'long_term_archive' AND c.status <> 'deleted')
        AND NOT EXISTS (SELECT 1 FROM long_term_archive_transfer t
                         WHERE t.raw_data_package_id = p.id AND t.destination_location_id = a.id)
      ORDER BY p.created_at, a.id
      LIMIT $1`,
    [limit],
  );
}

/** The verified archive copies of `packageIds` at active archive locations, by location priority. */
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
    `SELECT d.site_id AS "siteId", coalesce(sum(t.bytes_planned), 0)::float8 AS bytes
       FROM (SELECT destination_location_id, origin_location_id,
                    ${sizeOfPackage('raw_data_package_id')} AS bytes_planned
               FROM long_term_archive_transfer WHERE created_at > now() - interval '1 day') t
       JOIN data_location o ON o.id = t.origin_location_id AND o.location_type = 'long_term_archive'
       JOIN data_location d ON d.id = t.destination_location_id
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
