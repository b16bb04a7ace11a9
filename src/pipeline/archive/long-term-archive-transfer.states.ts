import { operationStatusMachine } from '../../engine/work/operation-status';

/** The archiving of one package tar (and its sidecar) into one long-term-archive location. */
export const longTermArchiveTransferStatusMachine = operationStatusMachine('LongTermArchiveTransfer');
