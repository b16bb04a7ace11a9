import { OperationStatus } from '../../engine/work/operation-status';

/*
 * Fragments other stages compose into their statements, so that only this stage names its tables.
 * Arguments are SQL expressions, never user input.
 */

/** An archive upload of package `pkg` (SQL for its id) is not completed: it may still read the buffer copy. */
export const archiveUploadOpen = (pkg: string) =>
  `EXISTS (SELECT 1 FROM long_term_archive_transfer t
            WHERE t.raw_data_package_id = ${pkg} AND t.status <> '${OperationStatus.COMPLETED}')`;
