import { OperationType } from './operation-type';

export interface OperationSettings {
  /** Jobs of this operation one worker process runs at once on one queue. */
  concurrency: number;
  /** Tries in all, the first included (the spec: at most 3 retries for packaging and transfers). */
  attempts: number;
  /** First retry delay; doubles each time, with jitter so retries of a burst do not arrive together. */
  backoffMs: number;
  backoffJitter: number;
  /** How long a job may run without renewing its lock before BullMQ calls it stalled. */
  lockDurationMs: number;
  /** Stalls tolerated before the job fails (a worker that keeps dying on it). */
  maxStalledCount: number;
  /** Finished jobs kept in Redis for inspection; the database is the record. */
  keepCompleted: { ageSeconds: number; count: number };
  keepFailed: { ageSeconds: number; count: number };
}

const DAY = 24 * 3600;
const byteWork = (concurrency: number, lockMinutes: number): OperationSettings => ({
  concurrency,
  attempts: 4,
  backoffMs: 30_000,
  backoffJitter: 0.5,
  lockDurationMs: lockMinutes * 60_000,
  maxStalledCount: 2,
  keepCompleted: { ageSeconds: DAY, count: 1000 },
  keepFailed: { ageSeconds: 7 * DAY, count: 5000 },
});

/**
 * The one table of queue settings, by operation. A new operation without an entry here does not compile.
 * Lock durations are long where one job streams tens of GB; BullMQ renews the lock while the job runs, so
 * this bounds how long a dead worker's job waits before another takes it.
 */
export const OPERATION_SETTINGS: Readonly<Record<OperationType, OperationSettings>> = {
  [OperationType.RAW_DATA_PACKAGE_CREATION]: byteWork(2, 2),
  [OperationType.DATA_TRANSFER_PACKAGE_CREATION]: byteWork(1, 2),
  [OperationType.DATA_TRANSFER]: byteWork(4, 2),
  [OperationType.DATA_TRANSFER_UNPACKING]: byteWork(2, 2),
  [OperationType.LONG_TERM_ARCHIVE_TRANSFER]: byteWork(4, 2),
  [OperationType.STAGING]: byteWork(2, 2),
  [OperationType.DELETION]: { ...byteWork(8, 1), backoffMs: 10_000 },
  [OperationType.COPY_REPAIR]: byteWork(2, 2),
  // Reads only; a few at once so an audit never crowds out the archive uploads on the same worker.
  [OperationType.FIXITY]: byteWork(2, 2),
  [OperationType.MONITORING]: {
    ...byteWork(1, 1),
    attempts: 1,
    keepCompleted: { ageSeconds: 3600, count: 100 },
    keepFailed: { ageSeconds: DAY, count: 100 },
  },
};
