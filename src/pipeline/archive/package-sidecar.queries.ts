import { EntityManager } from 'typeorm';
import { TransientTaskError } from '../../engine/work/task-error';
import { PackageSidecar, SIDECAR_FORMAT } from './package-sidecar';
import { fileRecordsOfPackage, obsUnitRecord } from '../ingest/raw-data-file.queries';
import { packageRecord } from '../packaging/raw-data-package.queries';

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

/**
 * The sidecar of one package, from the catalogue: everything needed to rebuild its files, obs unit and
 * provenance from the archive alone. Three indexed queries (package, obs unit, files), whatever the
 * number of files.
 */
export async function loadPackageSidecar(
  m: EntityManager,
  packageId: string,
  archive: { site: string; location: string },
  archivedAt: Date,
): Promise<PackageSidecar> {
  const p = await packageRecord(m, packageId);
  if (!p) throw new TransientTaskError('NO_SUCH_PACKAGE', `raw data package ${packageId} does not exist`);
  if (!p.sha256)
    throw new TransientTaskError(
      'NOT_PACKAGED',
      `raw data package ${p.name} has no checksum yet: it was never packaged`,
    );
  const [u, files] = await Promise.all([obsUnitRecord(m, p.unit_id), fileRecordsOfPackage(m, packageId)]);
  return {
    format: SIDECAR_FORMAT,
    package: {
      id: p.id,
      name: p.name,
      relativePath: p.relative_path,
      size: Number(p.size),
      sha256: p.sha256,
      sequence: p.sequence,
    },
    obsUnit: {
      id: u.id,
      name: u.obs_unit,
      startedAt: iso(u.started_at)!,
      finishedAt: iso(u.finished_at),
      outcome: u.outcome,
      metadata: u.metadata,
    },
    instrument: u.instrument,
    instrumentModule: p.module,
    source: { site: p.site, location: p.location },
    files: files.map((f) => ({
      id: f.id,
      path: f.relative_path,
      size: Number(f.size),
      sha256: f.sha256,
      registeredAt: iso(f.created_at)!,
      fileCreatedAt: iso(f.file_created_at),
      fileType: f.file_type,
      metadata: f.metadata,
    })),
    archive,
    archivedAt: archivedAt.toISOString(),
  };
}
