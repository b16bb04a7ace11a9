import { OperationStatus } from '../../engine/work/operation-status';

/*
 * Fragments other stages compose into their statements, so that only this stage names its tables.
 * Arguments are SQL expressions, never user input.
 */

/**
 * A staging job still needs package `pkg` at location `location` (SQL expressions): not released, within
 * its retention, not failed. The deletion rules keep staged files while this holds.
 */
export const stagingStillNeeds = (pkg: string, location: string) =>
  `EXISTS (SELECT 1 FROM staging_job j JOIN staging_job_package jp ON jp.staging_job_id = j.id
            WHERE jp.raw_data_package_id = ${pkg} AND j.destination_location_id = ${location}
              AND j.released_at IS NULL AND (j.retain_until IS NULL OR j.retain_until > now())
              AND j.status <> '${OperationStatus.FAILED}')`;
