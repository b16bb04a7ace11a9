import { AsyncLocalStorage } from 'node:async_hooks';
import { Job, UnrecoverableError } from 'bullmq';
import { Counter, Histogram } from 'prom-client';
import { QueueDescriptor } from '../queues/queue-descriptor';
import { WaitingForSetupError } from '../work/task-error';
import { reasonOf } from './error-reason';
import { metricsRegistry } from './metrics-registry';

/** What a task's series are labelled with: the queue it came from. Bounded by the locations, never ids. */
type TaskLabels = { operation: string; site: string; location: string };

const TASK_LABELS = ['operation', 'site', 'location'] as const;

export const bytesMoved = new Counter({
  name: 'ccat_bytes_moved_total',
  help: 'Bytes written and verified by finished tasks (for deletion: bytes freed), by the queue that ran them',
  labelNames: TASK_LABELS,
  registers: [metricsRegistry],
});

export const filesMoved = new Counter({
  name: 'ccat_files_moved_total',
  help: 'Files or archives written and verified by finished tasks (for deletion: copies removed)',
  labelNames: TASK_LABELS,
  registers: [metricsRegistry],
});

export const taskDuration = new Histogram({
  name: 'ccat_task_duration_seconds',
  help: 'Wall time of one task attempt, by outcome (completed, skipped: nothing left to do, waiting: for the worker set-up, failed)',
  labelNames: [...TASK_LABELS, 'outcome'],
  // Deletions take milliseconds, a 50 GB package or a pull over the long link hours.
  buckets: [0.05, 0.25, 1, 5, 15, 60, 300, 900, 1800, 3600, 7200, 14400, 28800],
  registers: [metricsRegistry],
});

export const taskFailures = new Counter({
  name: 'ccat_task_failures_total',
  help: 'Task attempts that failed for good (no retry left, or a permanent error), by error code or class',
  labelNames: [...TASK_LABELS, 'reason'],
  registers: [metricsRegistry],
});

export const taskRetries = new Counter({
  name: 'ccat_task_retries_total',
  help: 'Task attempts that failed and will be retried by the queue, by error code or class',
  labelNames: [...TASK_LABELS, 'reason'],
  registers: [metricsRegistry],
});

export const managerCycleDuration = new Histogram({
  name: 'ccat_manager_cycle_duration_seconds',
  help: 'Wall time of manager cycles that ran (not those skipped because another process held the lock)',
  labelNames: ['manager', 'outcome'],
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
  registers: [metricsRegistry],
});

/** The queue of the task running in this async context, so processors need not pass labels around. */
const currentTask = new AsyncLocalStorage<TaskLabels>();

/**
 * Runs one job's handler and records it: its duration and outcome, and when it throws, a retry or a
 * final failure (the same rule as runClaimedWork: permanent, or the last attempt). Processors report the
 * bytes they moved with recordMoved() from inside, labelled with this task's queue.
 */
export async function observeTask<T>(
  queue: QueueDescriptor,
  job: Pick<Job, 'attemptsMade' | 'opts'>,
  run: () => Promise<T>,
): Promise<T> {
  const labels: TaskLabels = { operation: queue.operation, site: queue.site, location: queue.location };
  const stop = taskDuration.startTimer(labels);
  try {
    const result = await currentTask.run(labels, run);
    stop({ outcome: isSkipped(result) ? 'skipped' : 'completed' });
    return result;
  } catch (err) {
    // Not a try: the job runs again, unchanged, once the worker's set-up allows (run-claimed-work.ts).
    if (err instanceof WaitingForSetupError) {
      stop({ outcome: 'waiting' });
      throw err;
    }
    stop({ outcome: 'failed' });
    const final = err instanceof UnrecoverableError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    (final ? taskFailures : taskRetries).inc({ ...labels, reason: reasonOf(err) });
    throw err;
  }
}

/**
 * Counts what a task wrote and verified (or freed), once it is recorded as done. Outside a queue task
 * (a processor called directly by a test or a tool) there is no queue to name and nothing is counted.
 */
export function recordMoved(moved: { bytes: number; files: number }): void {
  const labels = currentTask.getStore();
  if (!labels) return;
  bytesMoved.inc(labels, moved.bytes);
  filesMoved.inc(labels, moved.files);
}

/** Starts timing a manager cycle; call the result with how it ended. */
export function startManagerCycleTimer(manager: string): (outcome: 'completed' | 'failed') => void {
  const stop = managerCycleDuration.startTimer({ manager });
  return (outcome) => void stop({ outcome });
}

function isSkipped(result: unknown): boolean {
  return typeof result === 'object' && result !== null && 'skipped' in result;
}
