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

/** ChecksumMismatchError -> CHECKSUM_MISMATCH. */
function codeOfClass(name: string): string {
  return name
    .replace(/Error$/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toUpperCase();
}
