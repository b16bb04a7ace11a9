import { declareWork } from '../../engine/work/work-kind';
import { OperationType } from '../../engine/queues/operation-type';
import { StagingJob } from './staging-job.entity';
import { stagingJobStatusMachine } from './staging-job.states';

/** Stage 6: the processing location's worker stages the files a job asks for. */
export const STAGING_WORK = declareWork({
  name: 'staging',
  table: 'staging_job',
  entity: StagingJob,
  locationColumn: 'destination_location_id',
  operation: OperationType.STAGING,
  machine: stagingJobStatusMachine,
  perCycle: 100,
  relocation: {},
});
