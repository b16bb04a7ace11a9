import { EntityManager } from 'typeorm';
import { ObsUnitPriority } from './obs-unit-priority';

/*
 * The files that wait for packaging, owned by ingest: which are ready, and their assignment to a package
 * (the only write of raw_data_file.raw_data_package_id). The packaging manager asks and assigns here.
 */

export interface UnpackagedFile {
  id: string;
  unitId: string;
  moduleId: number;
  module: string;
  instrument: string;
  locationId: number;
  size: number;
  path: string;
}

/**
 * The packaging manager's work-finding query. Obs units count as ready when finished, or when their last
 * unpackaged file is older than the grace period (a finish that never came). Both steps read only the
 * partial index `ix_raw_data_file_unpackaged`, whose size is the backlog, not the history: an idle cycle
 * is one index probe. Urgent units come first, so that the cycle's limit never leaves one behind.
 */
export async function findReadyUnpackagedFiles(
  m: EntityManager,
  graceMs: number,
  maxUnits: number,
): Promise<UnpackagedFile[]> {
  const rows: (Omit<UnpackagedFile, 'size'> & { size: string })[] = await m.query(
    `WITH ready AS (
       SELECT f.executed_obs_unit_id AS unit_id
         FROM raw_data_file f JOIN executed_obs_unit u ON u.id = f.executed_obs_unit_id
        WHERE f.raw_data_package_id IS NULL AND f.withdrawn_at IS NULL
        GROUP BY f.executed_obs_unit_id, u.finished_at, u.priority
       HAVING u.finished_at IS NOT NULL OR max(f.created_at) < now() - make_interval(secs => $1::float8 / 1000)
        ORDER BY u.priority = '${ObsUnitPriority.HIGH}' DESC, min(f.created_at)
        LIMIT $2
     )
     SELECT f.id, f.executed_obs_unit_id AS "unitId", f.instrument_module_id AS "moduleId", im.name AS module,
            i.name AS instrument, f.source_location_id AS "locationId", f.size, f.relative_path AS path
       FROM ready r
       JOIN raw_data_file f ON f.executed_obs_unit_id = r.unit_id AND f.raw_data_package_id IS NULL AND f.withdrawn_at IS NULL
       JOIN instrument_module im ON im.id = f.instrument_module_id
       JOIN instrument i ON i.id = im.instrument_id
      ORDER BY f.executed_obs_unit_id, f.instrument_module_id, f.source_location_id, f.relative_path`,
    [graceMs, maxUnits],
  );
  return rows.map((r) => ({ ...r, size: Number(r.size) }));
}

/**
 * Assigns `fileIds` to package `packageId`, if each is still unpackaged and not withdrawn. Returns how many
 * were assigned: the caller compares it with what it asked for.
 */
export async function assignFilesToPackage(
  m: EntityManager,
  packageId: string,
  fileIds: string[],
): Promise<number> {
  // TypeORM returns [rows, count] for an UPDATE.
  const [, assigned] = await m.query(
    `UPDATE raw_data_file SET raw_data_package_id = $1
      WHERE id = ANY($2::uuid[]) AND raw_data_package_id IS NULL AND withdrawn_at IS NULL`,
    [packageId, fileIds],
  );
  return assigned;
}
