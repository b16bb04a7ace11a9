import { OperationStatus } from '../../engine/work/operation-status';

/*
 * Fragments other stages compose into their statements, so that only this stage names its tables.
 * Arguments are SQL expressions, never user input.
 */

/** An archive upload of package `pkg` (SQL for its id) is not completed: it may still read the buffer copy. */
export const archiveUploadOpen = (pkg: string) =>
  `EXISTS (SELECT 1 FROM long_term_archive_transfer t
            WHERE t.raw_data_package_id = ${pkg} AND t.status <> '${OperationStatus.COMPLETED}')`;

/** Completed archive uploads (each wrote a package copy and its sidecar), as a FROM item the planner pulls up. */
export const COMPLETED_ARCHIVE_UPLOADS = `(SELECT * FROM long_term_archive_transfer WHERE status = '${OperationStatus.COMPLETED}')`;
