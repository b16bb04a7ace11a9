import { declareWork } from '../../engine/work/work-kind';
import { OperationType } from '../../engine/queues/operation-type';
import { RawDataPackage } from './raw-data-package.entity';
import { rawDataPackageStatusMachine } from './raw-data-package.states';
import { obsUnitUrgency } from '../ingest/obs-unit-priority.queries';

/** Stage 1: a package is built by the worker of its files' source location. */
export const PACKAGE_WORK = declareWork({
  name: 'package',
  table: 'raw_data_package',
  entity: RawDataPackage,
  locationColumn: 'source_location_id',
  operation: OperationType.RAW_DATA_PACKAGE_CREATION,
  machine: rawDataPackageStatusMachine,
  perCycle: 1000,
  urgency: obsUnitUrgency((units) => `w.executed_obs_unit_id IN ${units}`),
});
