import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { FileHandle, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Expected } from './storage-backend';
import { Digest, nullSink, VerifyingStream } from './verifying-stream';

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
    const saved = await readFile(ResumableFile.progressName(target), 'utf8')
      .then((t) => JSON.parse(t) as { size: number; segments: Segment[] })
      .catch(() => null);
    const resumable = saved?.size === size && Array.isArray(saved.segments);
    const handle = await open(part, resumable ? 'r+' : 'w+').catch(() => open(part, 'w+'));
    const segments = resumable ? saved.segments : split(size, pieces);
    if (!resumable) await handle.truncate(size);
    return new ResumableFile(target, handle, segments, description);
  }

  get bytesHeld(): number {
    return this.segments.reduce((sum, s) => sum + (s.next - s.start), 0);
  }

  async writeAt(segment: Segment, chunk: Buffer): Promise<void> {
    if (segment.next + chunk.length > segment.end)
      throw new Error(`${this.description}: more bytes than asked for`);
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
    segment.next += chunk.length;
  }

  /** Flushes the bytes, then records how far each segment got. */
  async checkpoint(): Promise<void> {
    await this.handle.datasync();
    const progress = ResumableFile.progressName(this.target);
    const temporary = `${progress}.${randomBytes(4).toString('hex')}`;
    await writeFile(temporary, JSON.stringify({ size: this.size, segments: this.segments }));
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
