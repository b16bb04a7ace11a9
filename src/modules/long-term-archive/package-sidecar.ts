import { createHash } from 'node:crypto';

export const SIDECAR_FORMAT = 'ccat-dt/package-sidecar/v1';

export interface SidecarFile {
  id: string;
  path: string;
  size: number;
  sha256: string;
  registeredAt: string;
  fileCreatedAt: string | null;
  fileType: string | null;
  metadata: Record<string, unknown> | null;
}

/**
 * The JSON written beside every package tar in a long-term archive: enough to rebuild the catalogue of
 * files, packages and copies from the archive alone, should the database be lost.
 */
export interface PackageSidecar {
  format: typeof SIDECAR_FORMAT;
  package: { id: string; name: string; relativePath: string; size: number; sha256: string; sequence: number };
  obsUnit: {
    id: string;
    name: string;
    startedAt: string;
    finishedAt: string | null;
    outcome: string | null;
    metadata: Record<string, unknown> | null;
  };
  instrument: string;
  instrumentModule: string;
  source: { site: string; location: string };
  files: SidecarFile[];
  /** The archive it was written to. */
  archive: { site: string; location: string };
  /**
   * When the archiving was decided. Fixed by the transfer row, not the clock, so that a retried upload
   * writes the very same bytes (an archived object is never overwritten with others).
   */
  archivedAt: string;
}

/** The sidecar's bytes: stable key order and file order, so the same package always gives the same bytes. */
export function serializeSidecar(sidecar: PackageSidecar): Buffer {
  const sorted = { ...sidecar, files: [...sidecar.files].sort((a, b) => a.path.localeCompare(b.path)) };
  return Buffer.from(`${JSON.stringify(sorted, null, 2)}\n`);
}

export function sidecarPath(packageRelativePath: string): string {
  return `${packageRelativePath}.json`;
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Reads a sidecar back (catalogue rebuild), refusing one that is not of this format or not self-consistent. */
export function parseSidecar(bytes: Buffer): PackageSidecar {
  const data = JSON.parse(bytes.toString('utf8')) as PackageSidecar;
  const problems: string[] = [];
  if (data.format !== SIDECAR_FORMAT)
    problems.push(`format is ${JSON.stringify(data.format)}, not ${SIDECAR_FORMAT}`);
  if (!data.package || !HEX64.test(data.package.sha256 ?? ''))
    problems.push('package.sha256 is missing or malformed');
  if (!Array.isArray(data.files) || data.files.length === 0) problems.push('files is empty');
  for (const [i, f] of (data.files ?? []).entries()) {
    if (!HEX64.test(f.sha256 ?? '') || !Number.isSafeInteger(f.size) || f.size < 0 || !f.path) {
      problems.push(`files[${i}] is malformed`);
    }
  }
  if (problems.length) throw new Error(`not a valid package sidecar: ${problems.join('; ')}`);
  return data;
}

/** SHA-256 of the sidecar's bytes, recorded with its copy like any other object we store. */
export function sidecarDigest(bytes: Buffer): { size: number; sha256: string } {
  return { size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}
