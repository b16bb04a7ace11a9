import { OperationStatus } from '../../engine/work/operation-status';
import { sizeOfPackage } from '../packaging/raw-data-package.queries';

/*
 * Fragments other stages compose into their statements, so that only this stage names its tables.
 * Arguments are SQL expressions, never user input.
 */

/** An archive upload of package `pkg` (SQL for its id) is not completed: it may still read the buffer copy. */
export const archiveUploadOpen = (pkg: string) =>
  `EXISTS (SELECT 1 FROM long_term_archive_transfer t
            WHERE t.raw_data_package_id = ${pkg} AND t.status <> '${OperationStatus.COMPLETED}')`;

/**
 * An upload of package `pkg` from `origin` into an archive at the site named `site` (SQL each) is not
 * completed: a DIRECT route's upload from another site's buffer, or replication from another site's
 * archive, reads the package at the origin (and asks the origin to check it when it reads wrong).
 */
export const archiveUploadReadsForSite = (pkg: string, origin: string, site: string) =>
  `EXISTS (SELECT 1 FROM long_term_archive_transfer t
             JOIN data_location al ON al.id = t.destination_location_id JOIN site asite ON asite.id = al.site_id
            WHERE t.raw_data_package_id = ${pkg} AND t.origin_location_id = ${origin}
              AND asite.short_name = ${site} AND t.status <> '${OperationStatus.COMPLETED}')`;

/** Completed archive uploads (each wrote a package copy and its sidecar), as a FROM item the planner pulls up. */
export const COMPLETED_ARCHIVE_UPLOADS = `(SELECT * FROM long_term_archive_transfer WHERE status = '${OperationStatus.COMPLETED}')`;

/** Bytes of the packages being uploaded to an archive now (an upload reports no progress), as a scalar subquery. */
export const ARCHIVE_BYTES_IN_FLIGHT = `(SELECT coalesce(sum(${sizeOfPackage('a.raw_data_package_id')}), 0)
   FROM long_term_archive_transfer a WHERE a.status = '${OperationStatus.IN_PROGRESS}')`;

/**
 * An archive transfer reads package `pkg` from location `origin` (SQL each) and is not completed (a failed
 * one may be reset and read again): a retiring archive's copy stays while replication reads it.
 */
export const archiveUploadReadsFrom = (pkg: string, origin: string) =>
  `EXISTS (SELECT 1 FROM long_term_archive_transfer t
            WHERE t.raw_data_package_id = ${pkg} AND t.origin_location_id = ${origin}
              AND t.status <> '${OperationStatus.COMPLETED}')`;
