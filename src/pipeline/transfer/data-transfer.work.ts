import { declareWork } from '../../engine/work/work-kind';
import { OperationStatus } from '../../engine/work/operation-status';
import { OperationType } from '../../engine/queues/operation-type';
import { DataTransfer } from './data-transfer.entity';
import { dataTransferStatusMachine, dataTransferUnpackStatusMachine } from './data-transfer.states';
import { obsUnitUrgency } from '../ingest/obs-unit-priority.queries';
import { bundlesOfObsUnits } from '../packaging/package-bundle.queries';

/** A transfer, and its unpack, are as urgent as the most urgent obs unit in its bundle. */
const urgency = obsUnitUrgency((units) => `w.data_transfer_package_id IN ${bundlesOfObsUnits(units)}`);

/** Stage 3: the destination pulls, so a transfer is done by the destination buffer's worker. */
export const TRANSFER_WORK = declareWork({
  name: 'transfer',
  table: 'data_transfer',
  entity: DataTransfer,
  locationColumn: 'destination_location_id',
  operation: OperationType.DATA_TRANSFER,
  machine: dataTransferStatusMachine,
  perCycle: 200,
  // Not yet started, the bundle may land on the site's next buffer instead (its unpack follows it).
  relocation: { sameAs: 'data_transfer_package_id' },
  urgency,
});

/** Stage 4: a transferred bundle is unpacked where it landed, once its transfer is complete. */
export const UNPACK_WORK = declareWork({
  name: 'unpack',
  table: 'data_transfer',
  entity: DataTransfer,
  statusColumn: { sql: 'unpack_status', property: 'unpackStatus' },
  retryColumn: { sql: 'unpack_retry_count', property: 'unpackRetryCount' },
  locationColumn: 'destination_location_id',
  operation: OperationType.DATA_TRANSFER_UNPACKING,
  machine: dataTransferUnpackStatusMachine,
  readyWhere: `w.status = '${OperationStatus.COMPLETED}'`,
  perCycle: 200,
  urgency,
});
