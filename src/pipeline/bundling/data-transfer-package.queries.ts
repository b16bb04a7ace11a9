import { EntityManager } from 'typeorm';
import { OperationStatus } from '../../engine/work/operation-status';
import { PACKAGES_WAITING_FOR_BUNDLE, packagesOfBundle } from '../packaging/package-bundle.queries';
import { ArchiveMember } from '../packaging/package-archive';
import { WaitingPackage } from './bundling';
import { CopyStatus } from '../../catalog/physical-copies/physical-copy.states';
import { URGENT_OBS_UNITS } from '../ingest/obs-unit-priority.queries';

/**
 * Raw packages packed and waiting at a buffer, not yet in a bundle: the partial index
 * `ix_raw_data_package_waiting` holds exactly the waiting ones, and each one's buffer copy is found by
 * `ix_physical_copy_package`. An urgent obs unit's come first, so the cycle's limit never holds them back.
 */
export async function findWaitingPackages(m: EntityManager, limit: number): Promise<WaitingPackage[]> {
  const rows: {
    id: string;
    size: string;
    location_id: number;
    ready_at: Date;
    urgent_unit: string | null;
  }[] = await m.query(
    `SELECT p.id, p.size, c.location_id, p.updated_at AS ready_at,
              CASE WHEN p.executed_obs_unit_id IN ${URGENT_OBS_UNITS} THEN p.executed_obs_unit_id END AS urgent_unit
         FROM ${PACKAGES_WAITING_FOR_BUNDLE} p
         JOIN physical_copy c ON c.raw_data_package_id = p.id AND c.status = '${CopyStatus.PRESENT}'
         JOIN data_location l ON l.id = c.location_id AND l.location_type = 'buffer'
        ORDER BY p.executed_obs_unit_id IN ${URGENT_OBS_UNITS} DESC, p.created_at
        LIMIT $1`,
    [limit],
  );
  return rows.map((r) => ({
    id: r.id,
    size: Number(r.size),
    locationId: r.location_id,
    readyAt: r.ready_at,
    urgentUnit: r.urgent_unit,
  }));
}

/**
 * A bundle's package tars at `locationId`, in tar order, each with the header fields the bundle is written
 * with: its path, size and SHA-256, and one mtime for all, the bundle's creation. Nothing is taken from the
 * disk, so the same packages always make the same bytes: a bundle copy that rots is written again
 * identical to the recorded one (bundle-rebuild.ts).
 */
export async function bundleMembers(
  m: EntityManager,
  bundleId: string,
  locationId: number,
): Promise<ArchiveMember[]> {
  const rows: { path: string; size: string; sha256: string; mtime: Date }[] = await m.query(
    `SELECT c.relative_path AS path, c.size, c.sha256, d.created_at AS mtime
       FROM ${packagesOfBundle('$1')} p
       JOIN data_transfer_package d ON d.id = p.data_transfer_package_id
       JOIN physical_copy c ON c.raw_data_package_id = p.id AND c.location_id = $2 AND c.status = '${CopyStatus.PRESENT}'
      ORDER BY c.relative_path`,
    [bundleId, locationId],
  );
  return rows.map((r) => ({ ...r, size: Number(r.size) }));
}

/*
 * Fragments other stages compose into their statements, so that only this stage names its tables.
 * Arguments are SQL expressions, never user input.
 */

/** Bundle `bundle` (SQL for its id) is distributed: every archive site holds it unpacked and verified. */
export const bundleDistributed = (bundle: string) =>
  `EXISTS (SELECT 1 FROM data_transfer_package d WHERE d.id = ${bundle} AND d.distributed_at IS NOT NULL)`;

/** Sealed bundles (written and verified at their origin), as a FROM item the planner pulls up. */
export const SEALED_BUNDLES = `(SELECT * FROM data_transfer_package WHERE status = '${OperationStatus.COMPLETED}')`;

/** Sealed bundles that some archive site still waits for, as a FROM item. */
export const UNDISTRIBUTED_BUNDLES = `(SELECT * FROM data_transfer_package
   WHERE status = '${OperationStatus.COMPLETED}' AND distributed_at IS NULL)`;

/**
 * Marks distributed every sealed, undistributed bundle `d` (origin location `o`) for which `whenSql`
 * holds: from then on nothing reads it. Returns the ids marked.
 */
export async function markBundlesDistributed(m: EntityManager, whenSql: string): Promise<string[]> {
  // TypeORM returns [rows, count] for an UPDATE.
  const [rows]: [{ id: string }[], number] = await m.query(
    `UPDATE data_transfer_package d SET distributed_at = now()
       FROM data_location o
      WHERE o.id = d.origin_location_id AND d.status = '${OperationStatus.COMPLETED}' AND d.distributed_at IS NULL
        AND ${whenSql}
     RETURNING d.id`,
  );
  return rows.map((r) => r.id);
}

/** Bundle `bundleId`'s name and how many packages it holds; undefined if there is none. */
export async function bundleHeader(
  m: EntityManager,
  bundleId: string,
): Promise<{ name: string; packageCount: number } | undefined> {
  const [row] = await m.query(
    `SELECT name, package_count AS "packageCount" FROM data_transfer_package WHERE id = $1`,
    [bundleId],
  );
  return row;
}

/** The size of bundle `bundle` (SQL for its id), as a scalar subquery. */
export const sizeOfBundle = (bundle: string) =>
  `(SELECT bs.size FROM data_transfer_package bs WHERE bs.id = ${bundle})`;
