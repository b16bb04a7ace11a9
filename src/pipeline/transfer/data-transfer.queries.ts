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
