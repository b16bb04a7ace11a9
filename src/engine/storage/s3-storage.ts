import { TransientTaskError } from '../work/task-error';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  NotFound,
  paginateListObjectsV2,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { countRead, countWritten } from '../metrics/storage-metrics';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { unsafeRelativePathReason } from '../validation/is-safe-relative-path';
import { Expected, ListedObject, ObjectInfo, StorageBackend } from './storage-backend';
import {
  IncompleteObjectError,
  ObjectConflictError,
  ObjectNotFoundError,
  UnsafePathError,
} from './storage-errors';
import { Digest, nullSink, VerifyingStream } from './verifying-stream';

/**
 * The remnant of an upload cut off (a worker killed mid-PUT): shorter than the object and without the
 * sha256 every completed upload of ours carries. Real S3 never shows one; s3rver and some S3-compatible
 * stores keep the key of an aborted PUT. It was never an archived object, so it is uploaded over: every
 * upload to a key carries the same verified bytes, and the copy is recorded only after it is read back.
 */
function isCutOff(existing: ObjectInfo, expected: Expected): boolean {
  return !existing.sha256 && expected.size !== undefined && existing.size < expected.size;
}

export interface S3Settings {
  bucket: string;
  prefix?: string | null;
  endpoint?: string | null;
  region?: string | null;
  accessKeyId?: string;
  secretAccessKey?: string;
}

/** Parts of 16 MiB, four in flight: about 64 MiB of buffers per upload, whatever the object's size. */
const PART_SIZE = 16 * 1024 * 1024;
const PARTS_IN_FLIGHT = 4;

/**
 * An S3 bucket (AWS, MinIO, s3rver alike: path-style, endpoint from the location). Objects written here
 * are archive copies: one is never overwritten with other bytes, and a second upload of the same verified
 * content is a no-op. The SHA-256 travels as object metadata; uploads are multipart streams that are
 * completed only if the bytes hashed on the way match.
 */
export class S3Storage implements StorageBackend {
  readonly description: string;

  constructor(
    private readonly settings: S3Settings,
    private readonly client: S3Client = new S3Client({
      endpoint: settings.endpoint ?? undefined,
      region: settings.region ?? 'us-east-1',
      forcePathStyle: true,
      credentials:
        settings.accessKeyId && settings.secretAccessKey
          ? { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey }
          : undefined,
    }),
  ) {
    this.description = `s3://${settings.bucket}/${settings.prefix ?? ''}`;
  }

  async write(path: string, source: Readable, expected: Expected = {}): Promise<Digest> {
    if (!expected.sha256)
      throw new TransientTaskError(
        'ARCHIVE_WRITE_WITHOUT_SHA256',
        `${this.description}${path}: an archive write must name its SHA-256`,
      );
    const existing = await this.stat(path);
    if (existing && !isCutOff(existing, expected)) {
      source.destroy();
      if (
        existing.sha256 === expected.sha256 &&
        (expected.size === undefined || existing.size === expected.size)
      ) {
        return { size: existing.size, sha256: existing.sha256 };
      }
      if (!existing.sha256)
        throw new IncompleteObjectError(
          `${this.description}${path} holds ${existing.size} bytes without a recorded sha256: an upload of it ` +
            `may still be completing; if none is running, remove the object and reset the work`,
        );
      throw new ObjectConflictError(
        `${this.description}${path} already holds other bytes (${existing.size} bytes, sha256 ` +
          `${existing.sha256 ?? 'unknown'}); an archived object is never overwritten`,
      );
    }
    const verify = new VerifyingStream(`${this.description}${path}`, expected);
    let streamError: Error | undefined;
    verify.on('error', (err) => (streamError ??= err));
    source.on('error', (err) => verify.destroy(err));
    const upload = new Upload({
      client: this.client,
      queueSize: PARTS_IN_FLIGHT,
      partSize: PART_SIZE,
      leavePartsOnError: false,
      params: {
        Bucket: this.settings.bucket,
        Key: this.key(path),
        Body: source.pipe(verify),
        ContentLength: expected.size,
        Metadata: { sha256: expected.sha256 },
      },
    });
    try {
      await upload.done();
    } catch (err) {
      // The upload fails however the body failed; the body's own reason (a checksum mismatch) is the one
      // that says what happened. lib-storage has aborted the multipart upload: nothing became visible.
      throw streamError ?? err;
    }
    countWritten('s3', verify.digest.size);
    return verify.digest;
  }

  async read(path: string, range?: { start: number; end?: number }): Promise<Readable> {
    try {
      const out = await this.client.send(
        new GetObjectCommand({
          Bucket: this.settings.bucket,
          Key: this.key(path),
          Range: range ? `bytes=${range.start}-${range.end ?? ''}` : undefined,
        }),
      );
      return countRead('s3', out.Body as Readable);
    } catch (err) {
      if (isNotFound(err)) throw new ObjectNotFoundError(`${this.description}${path}`);
      throw err;
    }
  }

  async stat(path: string): Promise<ObjectInfo | null> {
    try {
      const head = await this.client.send(
        new HeadObjectCommand({ Bucket: this.settings.bucket, Key: this.key(path) }),
      );
      return { size: head.ContentLength ?? 0, sha256: head.Metadata?.sha256 };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async digest(path: string): Promise<Digest> {
    const verify = new VerifyingStream(`${this.description}${path}`);
    await pipeline(await this.read(path), verify, nullSink());
    return verify.digest;
  }

  async delete(path: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.settings.bucket, Key: this.key(path) }));
  }

  /** The objects below the prefix, a list page (up to 1000) at a time. Unfinished multipart uploads are not objects. */
  async *list(below = ''): AsyncIterable<ListedObject> {
    const prefix = this.settings.prefix ?? '';
    const pages = paginateListObjectsV2(
      { client: this.client, pageSize: 1000 },
      { Bucket: this.settings.bucket, Prefix: `${prefix}${below}` || undefined },
    );
    for await (const page of pages) {
      for (const o of page.Contents ?? []) {
        if (!o.Key) continue;
        yield {
          path: o.Key.slice(prefix.length),
          size: o.Size ?? 0,
          modifiedAt: o.LastModified ?? new Date(0),
        };
      }
    }
  }

  async space(): Promise<null> {
    return null;
  }

  private key(path: string): string {
    const why = unsafeRelativePathReason(path);
    if (why) throw new UnsafePathError(path, why);
    return `${this.settings.prefix ?? ''}${path}`;
  }
}

function isNotFound(err: unknown): boolean {
  return (
    err instanceof NotFound ||
    (err instanceof S3ServiceException && (err.$metadata.httpStatusCode === 404 || err.name === 'NoSuchKey'))
  );
}
