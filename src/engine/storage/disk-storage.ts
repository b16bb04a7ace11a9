import { countFileRead, countReadBytes, countWritten } from '../metrics/storage-metrics';
import { TransientTaskError } from '../work/task-error';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { constants, createReadStream } from 'node:fs';
import {
  FileHandle,
  lstat,
  mkdir,
  open,
  opendir,
  readdir,
  realpath,
  rename,
  stat,
  statfs,
  unlink,
} from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { unsafeRelativePathReason } from '../validation/is-safe-relative-path';
import { ResumableFile } from './resumable-file';
import { Expected, ListedObject, ObjectInfo, ReadOptions, StorageBackend } from './storage-backend';
import { NotRegularFileError, ObjectNotFoundError, UnsafePathError } from './storage-errors';
import { Digest, nullSink, VerifyingStream } from './verifying-stream';

const { O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK, O_RDONLY, O_WRONLY } = constants;

/**
 * A whole read of a regular file up to this size is one read(2) into one buffer instead of a read stream:
 * for the thousands of small files of a night, the stream's own machinery (a 64 KiB buffer, a read that
 * returns the bytes and one that finds the end, events) cost more than the bytes.
 */
const SMALL_FILE_BYTES = 256 * 1024;

/**
 * A directory tree on a local or mounted filesystem. Every relative path is checked to stay inside the
 * root, also through symbolic links; a write goes to a temporary name beside its target, is hashed while
 * streaming, fsynced, renamed only when it matches, and the directory fsynced, so that a power cut never
 * leaves a complete-looking file that is not.
 */
export class DiskStorage implements StorageBackend {
  readonly description: string;
  private realRoot?: string;

  constructor(private readonly root: string) {
    if (!isAbsolute(root))
      throw new TransientTaskError('LOCATION_MISCONFIGURED', `disk root must be absolute, got ${root}`);
    this.description = `disk ${root}`;
  }

  async write(path: string, source: Readable, expected: Expected = {}): Promise<Digest> {
    const started = Date.now();
    const target = await this.resolveForWrite(path);
    const temporary = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.part`);
    const verify = new VerifyingStream(`${this.description}/${path}`, expected);
    // Exclusive and never through a link: whatever is planted at the name (a link to another file) fails
    // the write instead of receiving its bytes. Opened before the try, so a refused name is left alone.
    const handle = await open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW);
    // flush: fsync before the stream closes the handle, which the pipeline waits for.
    const out = handle.createWriteStream({ flush: true });
    try {
      await pipeline(source, verify, out);
      countWritten('disk', verify.digest.size);
      await rename(temporary, target);
      await fsync(dirname(target));
      await removeStaleParts(target, started);
      return verify.digest;
    } catch (err) {
      if (!out.closed) await once(out, 'close').catch(() => undefined);
      await unlink(temporary).catch(() => undefined);
      throw err;
    }
  }

  /**
   * A write in pieces that survives cuts and restarts (see ResumableFile); `commit` puts it in place only
   * if the whole file hashes as expected, then fsyncs the directory.
   */
  async openResumable(path: string, size: number, pieces: number): Promise<ResumableWrite> {
    const target = await this.resolveForWrite(path);
    const file = await ResumableFile.open(target, size, pieces, `${this.description}/${path}`);
    return Object.assign(file, {
      commitInPlace: async (expected: Required<Expected>) => {
        const digest = await file.commit(expected);
        await fsync(dirname(target));
        return digest;
      },
    });
  }

  async read(
    path: string,
    range?: { start: number; end?: number },
    options: ReadOptions = {},
  ): Promise<Readable> {
    const bounds = range ? { start: range.start, end: range.end } : {};
    if (options.regularFileOnly) {
      const { handle, size } = await this.openRegularFile(path);
      if (!range && size <= SMALL_FILE_BYTES) return readSmallFile(handle, size);
      return countFileRead(handle.createReadStream(bounds));
    }
    const full = await this.resolveExisting(path);
    return countFileRead(createReadStream(full, bounds));
  }

  async stat(path: string): Promise<ObjectInfo | null> {
    const full = await this.resolveExisting(path).catch((err) => {
      if (err instanceof ObjectNotFoundError) return null;
      throw err;
    });
    if (!full) return null;
    const s = await stat(full);
    return s.isFile() ? { size: s.size } : null;
  }

  async digest(path: string): Promise<Digest> {
    const verify = new VerifyingStream(`${this.description}/${path}`);
    await pipeline(await this.read(path), verify, nullSink());
    return verify.digest;
  }

  /**
   * Unlinks the entry at `path` itself. Only the parent directory is resolved (and must be inside the
   * root); the last component never is, so a link there goes as a link and its target, perhaps a file
   * nothing has archived, stays. unlink(2) refuses a directory.
   */
  async delete(path: string): Promise<void> {
    const full = this.lexical(path);
    const parent = await realpath(dirname(full)).catch(ifMissing(null));
    if (parent === null) return;
    await this.assertInside(parent, path);
    await unlink(join(parent, basename(full))).catch(ifMissing(undefined));
  }

  /** Regular files below the root, depth first, one directory handle open per level; links are not followed. */
  async *list(prefix = ''): AsyncIterable<ListedObject> {
    // Only the directories the prefix could be in are walked.
    const mayHold = (dir: string) => prefix.startsWith(`${dir}/`) || dir.startsWith(prefix);
    const pending = [''];
    while (pending.length > 0) {
      const dir = pending.pop()!;
      const handle = await opendir(join(this.root, dir)).catch((err: NodeJS.ErrnoException) => {
        // A directory removed while we walk (a deletion, a cleaned-up staging area) has nothing left to list.
        if (err.code === 'ENOENT') return null;
        throw err;
      });
      if (!handle) continue;
      for await (const entry of handle) {
        const path = dir ? `${dir}/${entry.name}` : entry.name;
        if (entry.isDirectory()) {
          if (mayHold(path)) pending.push(path);
        } else if (entry.isFile() && path.startsWith(prefix)) {
          const s = await lstat(join(this.root, path)).catch(() => null);
          if (s?.isFile()) yield { path, size: s.size, modifiedAt: s.mtime };
        }
      }
    }
  }

  async space(): Promise<{ freeBytes: number; totalBytes: number }> {
    const s = await statfs(this.root);
    return { freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
  }

  /** The absolute path of `path`, refusing anything that could leave the root. */
  private lexical(path: string): string {
    const why = unsafeRelativePathReason(path);
    if (why) throw new UnsafePathError(path, why);
    const full = resolve(this.root, path);
    const rel = relative(this.root, full);
    if (rel.startsWith('..') || isAbsolute(rel)) throw new UnsafePathError(path, `leaves ${this.root}`);
    return full;
  }

  /**
   * Opens the regular file at `path` without following a link at its last component (O_NOFOLLOW) and
   * without blocking on a FIFO; anything but a regular file is refused once open, so the check and the
   * read are of the same file.
   */
  private async openRegularFile(path: string): Promise<{ handle: FileHandle; size: number }> {
    const where = `${this.description}/${path}`;
    const full = this.lexical(path);
    const parent = await realpath(dirname(full)).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') throw new ObjectNotFoundError(where);
      throw err;
    });
    await this.assertInside(parent, path);
    const handle = await open(join(parent, basename(full)), O_RDONLY | O_NOFOLLOW | O_NONBLOCK).catch(
      (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') throw new ObjectNotFoundError(where);
        // Linux and macOS say ELOOP for O_NOFOLLOW on a link, FreeBSD EMLINK.
        if (err.code === 'ELOOP' || err.code === 'EMLINK')
          throw new NotRegularFileError(where, 'a symbolic link');
        throw err;
      },
    );
    const s = await handle.stat().catch(async (err: Error) => {
      await handle.close();
      throw err;
    });
    if (s.isFile()) return { handle, size: s.size };
    await handle.close();
    throw new NotRegularFileError(where, s.isDirectory() ? 'a directory' : 'not a regular file');
  }

  private async resolveExisting(path: string): Promise<string> {
    const full = this.lexical(path);
    const real = await realpath(full).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') throw new ObjectNotFoundError(`${this.description}/${path}`);
      throw err;
    });
    await this.assertInside(real, path);
    return real;
  }

  /**
   * Creates the parent directories, then checks that the real parent (links resolved) is inside the root.
   * The deepest existing one is checked first too, so that a linked directory cannot have us create
   * directories outside the root (the root itself is configuration, made as it is given). Each new
   * directory's entry is fsynced in its parent: a file renamed into a directory that a power cut then
   * forgets would be lost with it.
   */
  private async resolveForWrite(path: string): Promise<string> {
    const full = this.lexical(path);
    const dir = dirname(full);
    await makeDurableDirectory(this.root);
    await this.assertInside(await realpath(await deepestExisting(dir)), path);
    await makeDurableDirectory(dir);
    await this.assertInside(await realpath(dir), path);
    return full;
  }

  private async assertInside(realFull: string, path: string): Promise<void> {
    const inside = (realRoot: string) => realFull === realRoot || realFull.startsWith(realRoot + sep);
    // The root's real path is kept between calls (one realpath less per file); a root re-pointed since is
    // resolved again before anything is refused, and a stale one can only refuse, never let a path out.
    if (this.realRoot !== undefined && inside(this.realRoot)) return;
    this.realRoot = await realpath(this.root);
    if (!inside(this.realRoot)) {
      throw new UnsafePathError(path, `resolves outside ${this.root} through a link`);
    }
  }
}

export type ResumableWrite = ResumableFile & {
  commitInPlace(expected: Required<Expected>): Promise<Digest>;
};

/**
 * The whole of a small open file as a one-chunk stream. One byte more than its size is asked for, so a file
 * that grew since its fstat reads longer, as a stream would, and its verification sees the difference.
 */
async function readSmallFile(handle: FileHandle, size: number): Promise<Readable> {
  try {
    const buffer = Buffer.allocUnsafe(size + 1);
    let filled = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
      filled += bytesRead;
      if (bytesRead === 0 || filled === buffer.length) break;
    }
    countReadBytes('disk', filled);
    return Readable.from(filled ? [buffer.subarray(0, filled)] : []);
  } finally {
    await handle.close();
  }
}

/**
 * Temporary files of earlier attempts at the same target (a worker killed mid-write leaves one). They
 * carry the target's name, so once the target is written whole they can go: they would be dark data.
 * One untouched since this write began belongs to no live writer (a live one keeps writing to it).
 */
async function removeStaleParts(target: string, writeStarted: number): Promise<void> {
  const prefix = `.${basename(target)}.`;
  const dir = dirname(target);
  for (const name of await readdir(dir)) {
    if (!name.startsWith(prefix) || !name.endsWith('.part')) continue;
    const full = join(dir, name);
    const s = await lstat(full).catch(() => null);
    if (s && s.mtimeMs < writeStarted) await unlink(full).catch(() => undefined);
  }
}

/** mkdir -p, then an fsync of the parent of every directory it made, deepest first. */
async function makeDurableDirectory(dir: string): Promise<void> {
  const firstCreated = await mkdir(dir, { recursive: true });
  if (!firstCreated) return;
  for (let d = dir; ; d = dirname(d)) {
    await fsync(dirname(d));
    if (d === firstCreated || d === dirname(d)) break;
  }
}

async function deepestExisting(dir: string): Promise<string> {
  for (let d = dir; ; d = dirname(d)) {
    const found = await stat(d).then(
      () => true,
      (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return false;
        throw err;
      },
    );
    if (found || d === dirname(d)) return d;
  }
}

/** For a removal: a missing file or directory is already what was asked for. */
function ifMissing<T>(value: T): (err: NodeJS.ErrnoException) => T {
  return (err) => {
    if (err.code === 'ENOENT') return value;
    throw err;
  };
}

async function fsync(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
