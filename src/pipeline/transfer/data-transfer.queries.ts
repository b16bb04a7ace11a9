import { OperationStatus } from '../../engine/work/operation-status';
import { sizeOfBundle } from '../bundling/data-transfer-package.queries';

/*
 * Fragments other stages compose into their statements, so that only this stage names its tables.
 * Arguments are SQL expressions, never user input.
 */

/**
 * Some transfer of bundle `bundle` (SQL for its id) still reads it: not yet completed, or received but not
 * yet unpacked. The deletion rules keep the bundle's buffer copy while this holds.
 */
export const bundleStillRead = (bundle: string) =>
  `EXISTS (SELECT 1 FROM data_transfer t WHERE t.data_transfer_package_id = ${bundle}
             AND (t.status <> '${OperationStatus.COMPLETED}' OR t.unpack_status <> '${OperationStatus.COMPLETED}'))`;

/** Bytes that running transfers have still to receive, as a scalar subquery. */
export const TRANSFER_BYTES_TO_GO = `(SELECT coalesce(sum(greatest(${sizeOfBundle('t.data_transfer_package_id')} - t.bytes_transferred, 0)), 0)
   FROM data_transfer t WHERE t.status IN ('${OperationStatus.SCHEDULED}', '${OperationStatus.IN_PROGRESS}'))`;

/** Location `location` (SQL for its id) lies at the site named `site` (SQL for a short name). */
const atSite = (location: string, site: string) =>
  `EXISTS (SELECT 1 FROM data_location dl JOIN site ds ON ds.id = dl.site_id
            WHERE dl.id = ${location} AND ds.short_name = ${site})`;

/**
 * A transfer of bundle `bundle` from `origin` to a location at `site` (SQL each) still reads the bundle at
 * the origin: the pull itself, and the origin's check of its copy when the bytes came wrong.
 */
export const bundlePulledForSite = (bundle: string, origin: string, site: string) =>
  `EXISTS (SELECT 1 FROM data_transfer t WHERE t.data_transfer_package_id = ${bundle}
             AND t.origin_location_id = ${origin} AND ${atSite('t.destination_location_id', site)}
             AND (t.status <> '${OperationStatus.COMPLETED}' OR t.unpack_status <> '${OperationStatus.COMPLETED}'))`;

/**
 * A transfer of bundle `bundle` from `origin` to a location at `site` is not yet unpacked: its unpack
 * fetches a bad member again on its own from the origin's copy of that package (member-refetch.ts).
 */
export const bundleUnpackingForSite = (bundle: string, origin: string, site: string) =>
  `EXISTS (SELECT 1 FROM data_transfer t WHERE t.data_transfer_package_id = ${bundle}
             AND t.origin_location_id = ${origin} AND ${atSite('t.destination_location_id', site)}
             AND t.unpack_status <> '${OperationStatus.COMPLETED}')`;
