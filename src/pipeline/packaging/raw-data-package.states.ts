import { operationStatusMachine } from '../../engine/work/operation-status';
import { StateMachine } from '../../engine/work/state-machine';

/** Where a package is in its life, independent of whether its current operation is running. */
export enum PackageState {
  /** Only at its first location (source, then the buffer it was packaged into). */
  WAITING = 'waiting',
  /** Part of an active DataTransferPackage. */
  TRANSFERRING = 'transferring',
  /** At least one verified long-term-archive copy exists. */
  ARCHIVED = 'archived',
  FAILED = 'failed',
}

const P = PackageState;

/** The operation status of the packaging task itself. */
export const rawDataPackageStatusMachine = operationStatusMachine('RawDataPackage');

/**
 * A transfer package that fails is unbundled, so its packages wait again; an operator's reset of a failed
 * package also sends it back to waiting. Archived is final: the archive copy is never taken back.
 */
export const packageStateMachine = new StateMachine<PackageState>('RawDataPackage state', [P.WAITING], {
  [P.WAITING]: [P.TRANSFERRING, P.ARCHIVED, P.FAILED],
  [P.TRANSFERRING]: [P.ARCHIVED, P.WAITING, P.FAILED],
  [P.ARCHIVED]: [],
  [P.FAILED]: [P.WAITING],
});
