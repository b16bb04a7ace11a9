import { Readable } from 'node:stream';
import { Digest } from './verifying-stream';

export interface Expected {
  size?: number;
  sha256?: string;
}

/** One object found by listing a location: its path inside the location and its size. */
export interface ListedObject {
  path: string;
  size: number;
}

export interface ObjectInfo {
  size: number;
  /** The SHA-256 recorded with the object when we wrote it (S3 metadata); absent on disk. */
  sha256?: string;
}

/**
 * One interface for every kind of location. Writes are all-or-nothing: the bytes appear at `path` only
 * once their size and SHA-256, computed while streaming, match what was expected, and (on disk) after the
 * file and its directory are fsynced. Streams only: no file is ever held in memory.
 */
export interface StorageBackend {
  readonly description: string;
  write(path: string, source: Readable, expected?: Expected): Promise<Digest>;
  read(path: string, range?: { start: number; end?: number }): Promise<Readable>;
  stat(path: string): Promise<ObjectInfo | null>;
  /** Reads the bytes back and hashes them: the proof that a copy is what it should be. */
  digest(path: string): Promise<Digest>;
  delete(path: string): Promise<void>;
  /**
   * Every object below `prefix` (a path prefix inside the location, '' for all), in no promised order:
   * what is really there, for the catalogue rebuild and the consistency check. On disk only regular files,
   * never following links.
   */
  list(prefix?: string): AsyncIterable<ListedObject>;
  /** Free and total bytes where that means something (disk); null for object stores. */
  space(): Promise<{ freeBytes: number; totalBytes: number } | null>;
}
