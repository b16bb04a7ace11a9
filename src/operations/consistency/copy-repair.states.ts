import { operationStatusMachine } from '../../engine/work/operation-status';

/** The re-replication of one lost copy. */
export const copyRepairStatusMachine = operationStatusMachine('CopyRepair');

/** One re-hash of an archived copy by the fixity audit. */
export const fixityCheckStatusMachine = operationStatusMachine('FixityCheck');
