import { operationStatusMachine } from '../../common/operation-status';

/** The transfer of a bundle's bytes to one destination. */
export const dataTransferStatusMachine = operationStatusMachine('DataTransfer');

/** The unpack of a transferred bundle at its destination, retried apart from the transfer. */
export const dataTransferUnpackStatusMachine = operationStatusMachine('DataTransfer unpack');
