import { OperationStatus, operationStatusMachine } from '../../engine/work/operation-status';
import { StateMachine } from '../../engine/work/state-machine';

const S = OperationStatus;

/**
 * The transfer of a bundle's bytes to one destination: the common operation lifecycle, and one way back
 * from completed. Bytes delivered and verified can still go bad on the destination's disk before they are
 * unpacked; the unpack then finds the copy corrupt, discards it, and the transfer is done again (pending)
 * or, out of retries, fails. Nothing else reopens a finished transfer.
 */
export const dataTransferStatusMachine = new StateMachine<OperationStatus>('DataTransfer', [S.PENDING], {
  [S.PENDING]: [S.SCHEDULED, S.FAILED],
  [S.SCHEDULED]: [S.IN_PROGRESS, S.PENDING, S.FAILED],
  [S.IN_PROGRESS]: [S.COMPLETED, S.FAILED, S.PENDING],
  [S.COMPLETED]: [S.PENDING, S.FAILED],
  [S.FAILED]: [S.PENDING],
});

/** The unpack of a transferred bundle at its destination, retried apart from the transfer. */
export const dataTransferUnpackStatusMachine = operationStatusMachine('DataTransfer unpack');
