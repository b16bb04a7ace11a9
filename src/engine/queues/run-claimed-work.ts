import { Job, UnrecoverableError } from 'bullmq';
import { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';
import { claimWork } from '../work/claim-work';
import { OperationStatus } from '../work/operation-status';
import { StateMachine } from '../work/state-machine';
import { transitionRow } from '../work/transition-row';
import { TaskError, WAITING_PREFIX, WaitingForSetupError } from '../work/task-error';
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
  /**
   * Records the failure once no retry is left. By default the status column goes to FAILED with the
   * reason (prefixed by `failurePrefix`); work with something to undo passes its own.
   */
  onFinalFailure?: (row: E, err: Error) => Promise<void>;
  failurePrefix?: string;
}

/**
 * The one shape of every processor: claim the row for this process, do the work, and classify a failure.
 * A permanent one (bytes that can never be right: a file that differs from its registration, an unsafe
 * archive) is recorded at once and not retried; any other is retried by BullMQ with backoff, and recorded
 * only when the last attempt fails. Work waiting for this worker's set-up (WaitingForSetupError) is neither:
 * the row keeps its claim with the reason, and the queue runs the job again later without counting a try.
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
    if (err instanceof WaitingForSetupError) {
      await w.dataSource
        .getRepository(w.entity)
        .update(claimed.id, { failureReason: `${WAITING_PREFIX}${err.message}`.slice(0, 2000) } as never);
      throw err;
    }
    const permanent = err instanceof TaskError && !err.retryable;
    const lastAttempt = !w.context || w.context.job.attemptsMade + 1 >= (w.context.job.opts.attempts ?? 1);
    if (permanent || lastAttempt) {
      await (w.onFinalFailure ?? ((row, e) => recordFailure(w, row, e)))(claimed, err as Error);
      // The cause travels along, so the failure metrics name the error class (ChecksumMismatchError...).
      throw permanent ? Object.assign(new UnrecoverableError((err as Error).message), { cause: err }) : err;
    }
    throw err;
  }
}

/** The default final failure: the work's status FAILED, with the reason. */
async function recordFailure<E extends ObjectLiteral & { id: string }, R>(
  w: ClaimedWork<E, R>,
  row: E,
  err: Error,
): Promise<void> {
  await w.dataSource.transaction((m) =>
    transitionRow(m, w.entity, row.id, w.column ?? 'status', w.machine, OperationStatus.FAILED, {
      failureReason: `${w.failurePrefix ?? ''}${err.message}`.slice(0, 2000),
    } as never),
  );
}
