import { declareWork } from '../../engine/work/work-kind';
import { OperationType } from '../../engine/queues/operation-type';
import { StagingJob } from './staging-job.entity';
import { stagingJobStatusMachine } from './staging-job.states';
import { obsUnitUrgency } from '../ingest/obs-unit-priority.queries';
import { packagesOfObsUnits } from '../packaging/raw-data-package.queries';

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
  // A staging request is urgent if any package it stages is an urgent obs unit's.
  urgency: obsUnitUrgency(
    (units) => `w.id IN (SELECT sp.staging_job_id FROM staging_job_package sp
                          WHERE sp.raw_data_package_id IN ${packagesOfObsUnits(units)})`,
  ),
});
