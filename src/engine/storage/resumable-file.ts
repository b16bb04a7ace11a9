import { countReadBytes, countWritten } from '../metrics/storage-metrics';
import { TransientTaskError } from '../work/task-error';
import { randomBytes } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { FileHandle, open, rename, rm, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Expected } from './storage-backend';
import { Digest, nullSink, VerifyingStream } from './verifying-stream';

const { O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK, O_RDONLY, O_RDWR, O_WRONLY } = constants;

/** A piece of the file, [start, end), filled up to `next`. */
export interface Segment {
  start: number;
  end: number;
  next: number;
}

/**
 * A file filled in pieces, in any order and over several attempts (an HTTP pull in parallel ranges, cut
 * and resumed). The bytes go to a fixed temporary name beside the target; which of them are there is kept
 * in a small progress file, written only after the bytes it counts were flushed, so a later attempt (even
 * by another process) resumes from it. Whatever the progress file says, the target appears only through
 * commit(), after the whole file's SHA-256 matched: a wrong resume costs a retry, never a bad copy.
 *
 * The names are fixed, so something else may sit at them (planted, or left by hand). They are never opened
 * through a link: a resume reopens only a regular file of the right size (O_NOFOLLOW), and a fresh start
 * unlinks whatever is at the name (a link goes as a link, its target untouched) and creates the file
 * exclusively (O_CREAT | O_EXCL).
 */
export class ResumableFile {
  private constructor(
    private readonly target: string,
    private readonly handle: FileHandle,
    readonly segments: Segment[],
    private readonly description: string,
  ) {}

  static partName(target: string): string {
    return join(dirname(target), `.${basename(target)}.resume`);
  }

  private static progressName(target: string): string {
    return `${ResumableFile.partName(target)}.json`;
  }

  /** Opens (or resumes) the pieces of `target`, `size` bytes, cut into `pieces` segments if new. */
  static async open(
    target: string,
    size: number,
    pieces: number,
    description: string,
  ): Promise<ResumableFile> {
    const part = ResumableFile.partName(target);
    const saved = await readProgress(ResumableFile.progressName(target));
    const resumable = saved?.size === size && Array.isArray(saved.segments);
    // Progress without its bytes (gone, replaced) is no resume: counting on it would only cost a retry.
    const existing = resumable ? await reopen(part, size) : null;
    const handle = existing ?? (await createFresh(part));
    if (!existing) await handle.truncate(size);
    return new ResumableFile(target, handle, existing ? saved!.segments : split(size, pieces), description);
  }

  get bytesHeld(): number {
    return this.segments.reduce((sum, s) => sum + (s.next - s.start), 0);
  }

  async writeAt(segment: Segment, chunk: Buffer): Promise<void> {
    if (segment.next + chunk.length > segment.end)
      throw new TransientTaskError('TOO_MANY_BYTES', `${this.description}: more bytes than asked for`);
    let written = 0;
    while (written < chunk.length) {
      const { bytesWritten } = await this.handle.write(
        chunk,
        written,
        chunk.length - written,
        segment.next + written,
      );
      written += bytesWritten;
    }
    countWritten('disk', chunk.length);
    segment.next += chunk.length;
  }

  /** Flushes the bytes, then records how far each segment got. */
  async checkpoint(): Promise<void> {
    await this.handle.datasync();
    const progress = ResumableFile.progressName(this.target);
    const temporary = `${progress}.${randomBytes(4).toString('hex')}`;
    const out = await open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW);
    try {
      await out.writeFile(JSON.stringify({ size: this.size, segments: this.segments }));
    } finally {
      await out.close();
    }
    await rename(temporary, progress);
  }

  private get size(): number {
    return this.segments.length ? this.segments[this.segments.length - 1].end : 0;
  }

  /**
   * Hashes the whole file; if it is what was expected, fsyncs it and renames it into place, and the
   * caller fsyncs the directory. Otherwise the pieces are discarded and the mismatch thrown.
   */
  async commit(expected: Required<Expected>): Promise<Digest> {
    await this.handle.sync();
    const verify = new VerifyingStream(this.description, expected);
    try {
      await pipeline(
        createReadStream('', { fd: this.handle.fd, start: 0, autoClose: false }),
        verify,
        nullSink(),
      );
    } catch (err) {
      await this.discard();
      throw err;
    }
    countReadBytes('disk', verify.digest.size);
    await this.handle.close();
    await rename(ResumableFile.partName(this.target), this.target);
    await rm(ResumableFile.progressName(this.target), { force: true });
    return verify.digest;
  }

  /** Keeps the pieces for the next attempt (a cut, a crash): only the handle closes. */
  async close(): Promise<void> {
    await this.handle.close().catch(() => undefined);
  }

  async discard(): Promise<void> {
    await this.close();
    await rm(ResumableFile.partName(this.target), { force: true });
    await rm(ResumableFile.progressName(this.target), { force: true });
  }
}

async function readProgress(path: string): Promise<{ size: number; segments: Segment[] } | null> {
  const handle = await open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK).catch(() => null);
  if (!handle) return null;
  try {
    return JSON.parse(await handle.readFile('utf8')) as { size: number; segments: Segment[] };
  } catch {
    return null;
  } finally {
    await handle.close();
  }
}

/** The pieces of an earlier attempt, if a regular file of the expected size is at `part`. */
async function reopen(part: string, size: number): Promise<FileHandle | null> {
  const handle = await open(part, O_RDWR | O_NOFOLLOW | O_NONBLOCK).catch(() => null);
  if (!handle) return null;
  const s = await handle.stat().catch(() => null);
  if (s?.isFile() && s.size === size) return handle;
  await handle.close();
  return null;
}

async function createFresh(part: string): Promise<FileHandle> {
  await unlink(part).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
  return open(part, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW);
}

function split(size: number, pieces: number): Segment[] {
  const n = Math.max(1, Math.min(pieces, size));
  const each = Math.ceil(size / n);
  const segments: Segment[] = [];
  for (let start = 0; start < size || segments.length === 0; start += each) {
    const end = Math.min(size, start + each);
    segments.push({ start, end, next: start });
    if (size === 0) break;
  }
  return segments;
}
