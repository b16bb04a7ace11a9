import { StorageBackend } from '../storage/storage-backend';
import { ObjectNotFoundError } from '../storage/storage-errors';
import { LossReason } from './copy-repair.entity';

export interface RecordedCopy {
  relativePath: string;
  size: number;
  sha256: string;
}

export interface Inspection {
  /** Null when the bytes are what the copy says. */
  loss: LossReason | null;
  /** What was found: absent when the object is missing; the SHA-256 only when the bytes were read. */
  found?: { size: number; sha256?: string };
  /** Bytes read and hashed. */
  bytesRead: number;
}

/**
 * Whether a copy's bytes are there and are what it records: the size first (a stat, no read), then a
 * streamed SHA-256 of the bytes themselves (disk and S3 alike, never the S3 metadata). Constant memory.
 */
export async function inspectCopy(backend: StorageBackend, copy: RecordedCopy): Promise<Inspection> {
  const info = await backend.stat(copy.relativePath);
  if (!info) return { loss: 'missing', bytesRead: 0 };
  if (info.size !== copy.size) return { loss: 'size', found: { size: info.size }, bytesRead: 0 };
  try {
    const digest = await backend.digest(copy.relativePath);
    const loss = digest.size !== copy.size ? 'size' : digest.sha256 !== copy.sha256 ? 'checksum' : null;
    return { loss, found: digest, bytesRead: digest.size };
  } catch (err) {
    // Gone between the stat and the read.
    if (err instanceof ObjectNotFoundError) return { loss: 'missing', bytesRead: 0 };
    throw err;
  }
}
