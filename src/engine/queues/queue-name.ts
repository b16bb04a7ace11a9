import { OperationType } from './operation-type';

/** `{site}_{location}_{operation}`, e.g. `ccat_telescope_computer_raw_data_package_creation`. */
export function queueName(siteShortName: string, locationName: string, operation: OperationType): string {
  return `${siteShortName}_${locationName}_${operation}`.toLowerCase();
}

/** How a location is named on the command line (`--locations ccat_buffer,cologne_lta`). */
export function locationKey(siteShortName: string, locationName: string): string {
  return `${siteShortName}_${locationName}`.toLowerCase();
}

/**
 * A deterministic job id per piece of work and attempt. BullMQ refuses `:` in custom ids, and a kept job
 * with the same id silently swallows a re-enqueue, so a retry (attempt n+1) must get a new id.
 */
export function jobId(operation: OperationType, entityId: string | number, attempt: number): string {
  return `${operation}-${entityId}-a${attempt}`;
}
