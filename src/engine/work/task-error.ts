/**
 * What a job's failure says about trying again, known to the queue code: a retryable one is retried with
 * backoff until its attempts are spent; a permanent one (bytes that can never be right, a path that
 * escapes its root) is recorded at once and not retried. Every error a job path throws on purpose is one
 * of these; anything else is a bug, and is retried as if transient.
 */
export abstract class TaskError extends Error {
  abstract readonly retryable: boolean;
  /** A short, stable name of what went wrong (CHECKSUM_MISMATCH), for logs and the failure reason. */
  readonly code: string;

  constructor(message: string, code?: string) {
    super(message);
    this.code = code ?? codeOfClass(new.target.name);
  }
}

/** A failure that another attempt may not meet: a busy copy, a link that dropped, a missing buffer. */
export class TransientTaskError extends TaskError {
  readonly retryable = true;
  constructor(code: string, message: string) {
    super(message, code);
  }
}

/** A failure no retry can mend: the work is recorded failed at once, for an operator. */
export class PermanentTaskError extends TaskError {
  readonly retryable = false;
  constructor(code: string, message: string) {
    super(message, code);
  }
}

/**
 * Work this worker cannot do as it is set up (a setting it lacks, an address it may not send its token
 * to), while nothing is wrong with the work itself: retrying it as a failure would only spend its tries
 * and leave it FAILED until an operator resets it, after the set-up was fixed. Instead no try is spent: the
 * job runs again after a while (the worker's discovery interval), the reason stays on the row for status,
 * explain and the alerts, and the work goes on by itself once the worker is restarted with the setting or
 * the topology changed.
 */
export class WaitingForSetupError extends TaskError {
  readonly retryable = true;
}

/** How a waiting row's failure reason begins, so readers tell a wait from a failed try. */
export const WAITING_PREFIX = 'waiting: ';

/** ChecksumMismatchError -> CHECKSUM_MISMATCH. */
function codeOfClass(name: string): string {
  return name
    .replace(/Error$/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toUpperCase();
}
