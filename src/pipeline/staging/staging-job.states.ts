import { operationStatusMachine } from '../../engine/work/operation-status';

/** A staging job's work: pending -> scheduled -> in_progress -> completed | failed (retries back to pending). */
export const stagingJobStatusMachine = operationStatusMachine('StagingJob');
