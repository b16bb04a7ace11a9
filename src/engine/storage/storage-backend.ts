import { Readable } from 'node:stream';
import { Digest } from './verifying-stream';

export interface Expected {
  size?: number;
  sha256?: string;
}

export interface ObjectInfo {
  size: number;
  /** The SHA-256 recorded with the object when we wrote it (S3 metadata); absent on disk. */
  sha256?: string;
}

export interface ReadOptions {
  /**
   * Refuse (NotRegularFileError) anything at the path that is not a regular file, a symbolic link included,
   * instead of reading what it points to. Object stores hold no links: for them this changes nothing.
   */
  regularFileOnly?: boolean;
}

/** An object found by listing a location. */
export interface ListedObject {
  /** Relative to the location's root (or prefix), as copies record it. */
  path: string;
  size: number;
  modifiedAt: Date;
}

/**
 * One interface for every kind of location. Writes are all-or-nothing: the bytes appear at `path` only
 * once their size and SHA-256, computed while streaming, match what was expected, and (on disk) after the
 * file and its directory are fsynced. Streams only: no file is ever held in memory.
 */
export interface StorageBackend {
  readonly description: string;
  write(path: string, source: Readable, expected?: Expected): Promise<Digest>;
  read(path: string, range?: { start: number; end?: number }, options?: ReadOptions): Promise<Readable>;
  stat(path: string): Promise<ObjectInfo | null>;
  /** Reads the bytes back and hashes them: the proof that a copy is what it should be. */
  digest(path: string): Promise<Digest>;
  /** Removes the object; on disk a symbolic link at `path` goes as a link, its target is never touched. */
  delete(path: string): Promise<void>;
  /**
   * Every object of the location below `prefix` ('' for all), page by page (a directory walk, S3 list
   * pages), in no particular order: constant memory however many there are. Temporary names of writes in
   * progress are listed too; on disk only regular files, and links are never followed.
   */
  list(prefix?: string): AsyncIterable<ListedObject>;
  /** Free and total bytes where that means something (disk); null for object stores. */
  space(): Promise<{ freeBytes: number; totalBytes: number } | null>;
}
