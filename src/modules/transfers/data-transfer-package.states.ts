import { operationStatusMachine } from '../../common/operation-status';

/** The operation status of building the bundle at its buffer. */
export const dataTransferPackageStatusMachine = operationStatusMachine('DataTransferPackage');
