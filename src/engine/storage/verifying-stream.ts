import { createHash, Hash } from 'node:crypto';
import { TransientTaskError } from '../work/task-error';
import { Transform, TransformCallback, Writable } from 'node:stream';
import { ChecksumMismatchError } from './storage-errors';

export interface Digest {
  size: number;
  sha256: string;
}

/**
 * Passes bytes through unchanged while counting and hashing them (SHA-256, one read, no second pass).
 * With an expectation, it fails the stream at its end if size or checksum differ, before the consumer
 * sees the end: a write that is completed only on a clean end (rename, multipart completion) never
 * completes with wrong bytes.
 */
export class VerifyingStream extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private bytes = 0;
  private result?: Digest;

  constructor(
    private readonly label: string,
    private readonly expected: { size?: number; sha256?: string } = {},
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.expected.size !== undefined && this.bytes > this.expected.size) {
      done(
        new ChecksumMismatchError(this.label, this.expected, { size: this.bytes, sha256: '(not finished)' }),
      );
      return;
    }
    this.hash.update(chunk);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    const actual = { size: this.bytes, sha256: this.hash.digest('hex') };
    this.result = actual;
    const sizeOk = this.expected.size === undefined || this.expected.size === actual.size;
    const hashOk = this.expected.sha256 === undefined || this.expected.sha256 === actual.sha256;
    done(sizeOk && hashOk ? null : new ChecksumMismatchError(this.label, this.expected, actual));
  }

  /** Size and SHA-256 of everything that passed, once the stream has ended. */
  get digest(): Digest {
    if (!this.result)
      throw new TransientTaskError('DIGEST_BEFORE_END', `${this.label}: digest read before the stream ended`);
    return this.result;
  }
}

/** Consumes a stream and keeps nothing: for reading bytes only to hash them. */
export function nullSink(): Writable {
  return new Writable({
    write(_chunk, _encoding, done) {
      done();
    },
  });
}
