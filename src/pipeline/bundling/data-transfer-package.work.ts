import { declareWork } from '../../engine/work/work-kind';
import { OperationType } from '../../engine/queues/operation-type';
import { DataTransferPackage } from './data-transfer-package.entity';
import { dataTransferPackageStatusMachine } from './data-transfer-package.states';
import { obsUnitUrgency } from '../ingest/obs-unit-priority.queries';
import { bundlesOfObsUnits } from '../packaging/package-bundle.queries';

/** Stage 2: a bundle is written by the worker of the buffer its packages wait in. */
export const BUNDLE_WORK = declareWork({
  name: 'bundle',
  table: 'data_transfer_package',
  entity: DataTransferPackage,
  locationColumn: 'origin_location_id',
  operation: OperationType.DATA_TRANSFER_PACKAGE_CREATION,
  machine: dataTransferPackageStatusMachine,
  perCycle: 500,
  urgency: obsUnitUrgency((units) => `w.id IN ${bundlesOfObsUnits(units)}`),
});
