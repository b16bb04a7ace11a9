import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, realpath, rename, rm, stat, statfs, unlink } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { unsafeRelativePathReason } from '../../common/validation/is-safe-relative-path';
import { ResumableFile } from './resumable-file';
import { Expected, ListedObject, ObjectInfo, StorageBackend } from './storage-backend';
import { ObjectNotFoundError, UnsafePathError } from './storage-errors';
import { Digest, nullSink, VerifyingStream } from './verifying-stream';

/**
 * A directory tree on a local or mounted filesystem. Every relative path is checked to stay inside the
 * root, also through symbolic links; a write goes to a temporary name beside its target, is hashed while
 * streaming, fsynced, renamed only when it matches, and the directory fsynced, so that a power cut never
 * leaves a complete-looking file that is not.
 */
export class DiskStorage implements StorageBackend {
  readonly description: string;

  constructor(private readonly root: string) {
    if (!isAbsolute(root)) throw new Error(`disk root must be absolute, got ${root}`);
    this.description = `disk ${root}`;
  }

  async write(path: string, source: Readable, expected: Expected = {}): Promise<Digest> {
    const started = Date.now();
    const target = await this.resolveForWrite(path);
    const temporary = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.part`);
    const verify = new VerifyingStream(`${this.description}/${path}`, expected);
    const out = createWriteStream(temporary, { flags: 'wx' });
    try {
      await pipeline(source, verify, out);
      await fsync(temporary);
      await rename(temporary, target);
      await fsync(dirname(target));
      await removeStaleParts(target, started);
      return verify.digest;
    } catch (err) {
      // The file is opened asynchronously: a write that fails early must wait for it to be created (and
      // closed) before removing it, or the temporary would appear after the unlink and stay as dark data.
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

  async read(path: string, range?: { start: number; end?: number }): Promise<Readable> {
    const full = await this.resolveExisting(path);
    return createReadStream(full, range ? { start: range.start, end: range.end } : {});
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

  async delete(path: string): Promise<void> {
    const full = await this.resolveExisting(path).catch((err) => {
      if (err instanceof ObjectNotFoundError) return null;
      throw err;
    });
    if (full) await rm(full);
  }

  async *list(prefix = ''): AsyncIterable<ListedObject> {
    const realRoot = await realpath(this.root);
    // Walks the directories the prefix could be in; a link is neither followed nor listed (it could point
    // out of the root).
    const walk = async function* (dir: string, rel: string): AsyncIterable<ListedObject> {
      const entries = await readdir(dir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return [];
        throw err;
      });
      for (const e of entries) {
        const path = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory() && (prefix.startsWith(`${path}/`) || path.startsWith(prefix))) {
          yield* walk(join(dir, e.name), path);
        } else if (e.isFile() && path.startsWith(prefix)) {
          const s = await stat(join(dir, e.name)).catch(() => null);
          if (s) yield { path, size: s.size };
        }
      }
    };
    yield* walk(realRoot, '');
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

  private async resolveExisting(path: string): Promise<string> {
    const full = this.lexical(path);
    const real = await realpath(full).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') throw new ObjectNotFoundError(`${this.description}/${path}`);
      throw err;
    });
    await this.assertInside(real, path);
    return real;
  }

  /** Creates the parent directories, then checks that the real parent (links resolved) is inside the root. */
  private async resolveForWrite(path: string): Promise<string> {
    const full = this.lexical(path);
    await mkdir(dirname(full), { recursive: true });
    await this.assertInside(await realpath(dirname(full)), path);
    return full;
  }

  private async assertInside(realFull: string, path: string): Promise<void> {
    const realRoot = await realpath(this.root);
    if (realFull !== realRoot && !realFull.startsWith(realRoot + sep)) {
      throw new UnsafePathError(path, `resolves outside ${this.root} through a link`);
    }
  }
}

export type ResumableWrite = ResumableFile & {
  commitInPlace(expected: Required<Expected>): Promise<Digest>;
};

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
    const s = await stat(full).catch(() => null);
    if (s && s.mtimeMs < writeStarted) await unlink(full).catch(() => undefined);
  }
}

async function fsync(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
