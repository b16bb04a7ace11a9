import { createHash } from 'node:crypto';
import { unsafeRelativePathReason } from '../../engine/validation/is-safe-relative-path';

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
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isDate = (v: unknown) => isText(v) && !Number.isNaN(Date.parse(v));
const isSize = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;

/** What is wrong with a parsed sidecar, as a list of reasons (empty: it can be rebuilt from). */
function sidecarProblems(data: PackageSidecar): string[] {
  const problems: string[] = [];
  const need = (ok: unknown, what: string) => ok || problems.push(what);
  need(data.format === SIDECAR_FORMAT, `format is ${JSON.stringify(data.format)}, not ${SIDECAR_FORMAT}`);
  const p = data.package;
  need(p && HEX64.test(p.sha256 ?? ''), 'package.sha256 is missing or malformed');
  need(
    p && UUID.test(p.id ?? '') && isText(p.name) && Number.isSafeInteger(p.sequence),
    'package is malformed',
  );
  need(
    p && !unsafeRelativePathReason(p.relativePath) && isSize(p.size),
    'package.relativePath or size is malformed',
  );
  const u = data.obsUnit;
  need(u && UUID.test(u.id ?? '') && isText(u.name) && isDate(u.startedAt), 'obsUnit is malformed');
  need(isText(data.instrument) && isText(data.instrumentModule), 'instrument or instrumentModule is missing');
  need(isText(data.source?.site) && isText(data.source?.location), 'source is malformed');
  need(isText(data.archive?.site) && isText(data.archive?.location), 'archive is malformed');
  need(isDate(data.archivedAt), 'archivedAt is malformed');
  if (!Array.isArray(data.files) || data.files.length === 0) return [...problems, 'files is empty'];
  for (const [i, f] of data.files.entries()) {
    const ok =
      UUID.test(f?.id ?? '') &&
      HEX64.test(f.sha256 ?? '') &&
      isSize(f.size) &&
      !unsafeRelativePathReason(f.path) &&
      isDate(f.registeredAt);
    need(ok, `files[${i}] is malformed`);
  }
  need(new Set(data.files.map((f) => f?.id)).size === data.files.length, 'a file id appears twice');
  need(new Set(data.files.map((f) => f?.path)).size === data.files.length, 'a file path appears twice');
  return problems;
}

/** Reads a sidecar back (catalogue rebuild), refusing one that is not of this format or not self-consistent. */
export function parseSidecar(bytes: Buffer): PackageSidecar {
  let data: PackageSidecar;
  try {
    data = JSON.parse(bytes.toString('utf8')) as PackageSidecar;
  } catch (err) {
    throw new Error(`not a valid package sidecar: not JSON (${(err as Error).message})`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new Error('not a valid package sidecar: not a JSON object');
  }
  const problems = sidecarProblems(data);
  if (problems.length) throw new Error(`not a valid package sidecar: ${problems.join('; ')}`);
  return data;
}

/** SHA-256 of the sidecar's bytes, recorded with its copy like any other object we store. */
export function sidecarDigest(bytes: Buffer): { size: number; sha256: string } {
  return { size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}
