import { PackageSidecar, sidecarPath } from '../../pipeline/archive/package-sidecar';
import { StorageBackend } from '../../engine/storage/storage-backend';
import { ObjectNotFoundError } from '../../engine/storage/storage-errors';
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

/**
 * Whether a copy's object is there as recorded, without reading its bytes: the size, and the SHA-256 the
 * archive holds beside it (S3 metadata of our uploads; on disk the package's sidecar). Where neither
 * records one, or it differs from the copy's, the bytes decide (inspectCopy). The deletion's witness.
 */
export async function confirmPresence(backend: StorageBackend, copy: RecordedCopy): Promise<Inspection> {
  const info = await backend.stat(copy.relativePath);
  if (!info) return { loss: 'missing', bytesRead: 0 };
  if (info.size !== copy.size) return { loss: 'size', found: { size: info.size }, bytesRead: 0 };
  const recorded = info.sha256 ?? (await sidecarSha256(backend, copy.relativePath));
  if (recorded === copy.sha256)
    return { loss: null, found: { size: info.size, sha256: recorded }, bytesRead: 0 };
  return inspectCopy(backend, copy);
}

/** The package SHA-256 its sidecar in the archive records, or undefined if there is none to read. */
async function sidecarSha256(backend: StorageBackend, packagePath: string): Promise<string | undefined> {
  const path = sidecarPath(packagePath);
  const info = await backend.stat(path).catch(() => null);
  // A sidecar lists every file of its package: a few MB at most; anything larger is not ours to parse.
  if (!info || info.size > 64 * 1024 * 1024) return undefined;
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of await backend.read(path)) chunks.push(chunk as Buffer);
    const sha = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as PackageSidecar).package?.sha256;
    return typeof sha === 'string' ? sha : undefined;
  } catch {
    return undefined;
  }
}
