import { operationStatusMachine } from '../../engine/work/operation-status';

/** The operation status of building the bundle at its buffer. */
export const dataTransferPackageStatusMachine = operationStatusMachine('DataTransferPackage');
