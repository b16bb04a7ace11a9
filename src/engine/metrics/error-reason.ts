import { UnrecoverableError } from 'bullmq';

/** Codes such as ECONNREFUSED, ERR_STREAM_PREMATURE_CLOSE or a PostgreSQL SQLSTATE (40001). */
const CODE = /^[A-Z0-9_]{2,40}$/;

/**
 * A short, low-cardinality reason for a failed task, for metric labels: the error's code when it has a
 * well-formed one, else its class name (ChecksumMismatchError, QueryFailedError). Never the message, which
 * holds paths and ids. A permanent failure wrapped in BullMQ's UnrecoverableError is named by its cause.
 */
export function reasonOf(err: unknown): string {
  const e = err instanceof UnrecoverableError && err.cause instanceof Error ? err.cause : err;
  if (!(e instanceof Error)) return 'unknown';
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && CODE.test(code)) return code;
  const name = e.constructor?.name && e.constructor.name !== 'Object' ? e.constructor.name : e.name;
  return name.replace(/[^A-Za-z0-9_]/g, '').slice(0, 40) || 'Error';
}
