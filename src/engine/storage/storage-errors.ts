import { TaskError } from '../work/task-error';

/**
 * Storage errors say whether trying again can help. A checksum mismatch of a copy is retryable (from a
 * good source the next copy may well be right); a path that escapes its root, or an archived object that
 * would be overwritten with other bytes, never becomes right by retrying.
 */
export abstract class StorageError extends TaskError {}

export class ChecksumMismatchError extends StorageError {
  readonly retryable = true;
  constructor(
    readonly path: string,
    readonly expected: { size?: number; sha256?: string },
    readonly actual: { size: number; sha256: string },
  ) {
    super(
      `${path}: bytes differ from what was expected (expected ${expected.size ?? '?'} bytes, sha256 ` +
        `${expected.sha256 ?? '?'}; got ${actual.size} bytes, sha256 ${actual.sha256})`,
    );
  }
}

export class UnsafePathError extends StorageError {
  readonly retryable = false;
  constructor(path: string, why: string) {
    super(`${JSON.stringify(path)} refused: ${why}`);
  }
}

export class ObjectConflictError extends StorageError {
  readonly retryable = false;
}

/**
 * An object at the key, as large as the one being written, without the checksum our completed uploads
 * carry: a store that writes the metadata after the bytes, with an upload still completing. Not an archived
 * object, so no conflict: a retry finds it completed and identical, or fails with this message once its
 * attempts are spent.
 */
export class IncompleteObjectError extends StorageError {
  readonly retryable = true;
}

export class ObjectNotFoundError extends StorageError {
  readonly retryable = false;
  constructor(readonly path: string) {
    super(`${path} does not exist`);
  }
}

/**
 * Something other than a regular file where one was to be read without following links (a symbolic link,
 * a directory, a FIFO): what it points to is not what was registered at that path, so no retry helps.
 */
export class NotRegularFileError extends StorageError {
  readonly retryable = false;
  constructor(
    readonly path: string,
    /** e.g. 'a symbolic link' */
    readonly what: string,
  ) {
    super(`${path} is ${what}`);
  }
}
