import { StateMachine } from './state-machine';

/** The status of every unit of work (packaging, bundling, transfer, unpack, archive, staging, deletion). */
export enum OperationStatus {
  PENDING = 'pending',
  SCHEDULED = 'scheduled',
  IN_PROGRESS = 'in_progress',
  COMPLETED = 'completed',
  FAILED = 'failed',
}

const S = OperationStatus;

/**
 * pending -> scheduled (a manager enqueued it) -> in_progress (a worker claimed it) -> completed | failed.
 * Going back to pending is a retry: a worker's retryable error, recovery of a dead claim, or an operator's
 * reset of a failure. Completed is final: finished work is never redone by changing its status.
 */
export const operationStatusMachine = (entity: string) =>
  new StateMachine<OperationStatus>(entity, [S.PENDING], {
    [S.PENDING]: [S.SCHEDULED, S.FAILED],
    [S.SCHEDULED]: [S.IN_PROGRESS, S.PENDING, S.FAILED],
    [S.IN_PROGRESS]: [S.COMPLETED, S.FAILED, S.PENDING],
    [S.COMPLETED]: [],
    [S.FAILED]: [S.PENDING],
  });
