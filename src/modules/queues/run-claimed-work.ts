import { Job, UnrecoverableError } from 'bullmq';
import { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';
import { claimWork } from '../../common/claim-work';
import { OperationStatus } from '../../common/operation-status';
import { StateMachine } from '../../common/state-machine';
import { StorageError } from '../storage/storage-errors';
import { TaskPayload } from './queue-descriptor';

export interface ClaimedWork<E extends ObjectLiteral & { id: string }, R> {
  dataSource: DataSource;
  entity: EntityTarget<E>;
  machine: StateMachine<OperationStatus>;
  /** The status column of this work (a transfer has a second one, for its unpack). */
  column?: keyof E & string;
  payload: TaskPayload;
  context?: { job: Job<TaskPayload> };
  work: (row: E) => Promise<R>;
  /** Records the failure (status FAILED, the reason, anything to undo) once no retry is left. */
  onFinalFailure: (row: E, err: Error) => Promise<void>;
}

/**
 * The one shape of every processor: claim the row for this process, do the work, and classify a failure.
 * A permanent one (bytes that can never be right: a file that differs from its registration, an unsafe
 * archive) is recorded at once and not retried; any other is retried by BullMQ with backoff, and recorded
 * only when the last attempt fails.
 */
export async function runClaimedWork<E extends ObjectLiteral & { id: string }, R>(
  w: ClaimedWork<E, R>,
): Promise<R | { skipped: string }> {
  const claimed = await w.dataSource.transaction((m) =>
    claimWork<E>(m, w.entity, w.machine, w.payload.entityId, w.column ?? 'status'),
  );
  if ('skipped' in claimed) return { skipped: claimed.skipped as string };
  try {
    return await w.work(claimed);
  } catch (err) {
    const permanent = err instanceof StorageError && !err.retryable;
    const lastAttempt = !w.context || w.context.job.attemptsMade + 1 >= (w.context.job.opts.attempts ?? 1);
    if (permanent || lastAttempt) {
      await w.onFinalFailure(claimed, err as Error);
      throw permanent ? new UnrecoverableError((err as Error).message) : err;
    }
    throw err;
  }
}
