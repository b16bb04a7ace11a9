import { EntityManager } from 'typeorm';
import { TransientTaskError } from '../../engine/work/task-error';
import { PackageSidecar, SIDECAR_FORMAT } from './package-sidecar';

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

/**
 * The sidecar of one package, from the catalogue: everything needed to rebuild its files, obs unit and
 * provenance from the archive alone. Two queries, whatever the number of files.
 */
export async function loadPackageSidecar(
  m: EntityManager,
  packageId: string,
  archive: { site: string; location: string },
  archivedAt: Date,
): Promise<PackageSidecar> {
  const [p] = await m.query(
    `SELECT p.id, p.name, p.relative_path, p.size, p.sha256, p.sequence,
            u.id AS unit_id, u.obs_unit, u.started_at, u.finished_at, u.outcome, u.metadata AS unit_metadata,
            i.name AS instrument, im.name AS module, s.short_name AS site, l.name AS location
       FROM raw_data_package p
       JOIN executed_obs_unit u ON u.id = p.executed_obs_unit_id
       JOIN instrument i ON i.id = u.instrument_id
       JOIN instrument_module im ON im.id = p.instrument_module_id
       JOIN data_location l ON l.id = p.source_location_id
       JOIN site s ON s.id = l.site_id
      WHERE p.id = $1`,
    [packageId],
  );
  if (!p) throw new TransientTaskError('NO_SUCH_PACKAGE', `raw data package ${packageId} does not exist`);
  if (!p.sha256)
    throw new TransientTaskError(
      'NOT_PACKAGED',
      `raw data package ${p.name} has no checksum yet: it was never packaged`,
    );
  const files: {
    id: string;
    relative_path: string;
    size: string;
    sha256: string;
    created_at: Date;
    file_created_at: Date | null;
    file_type: string | null;
    metadata: Record<string, unknown> | null;
  }[] = await m.query(
    `SELECT id, relative_path, size, sha256, created_at, file_created_at, file_type, metadata
       FROM raw_data_file WHERE raw_data_package_id = $1`,
    [packageId],
  );
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
      id: p.unit_id,
      name: p.obs_unit,
      startedAt: iso(p.started_at)!,
      finishedAt: iso(p.finished_at),
      outcome: p.outcome,
      metadata: p.unit_metadata,
    },
    instrument: p.instrument,
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
