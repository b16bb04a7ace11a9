import { EntityManager } from 'typeorm';
import { ArchiveMember } from './package-archive';

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
 * is one index probe.
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
        GROUP BY f.executed_obs_unit_id, u.finished_at
       HAVING u.finished_at IS NOT NULL OR max(f.created_at) < now() - make_interval(secs => $1::float8 / 1000)
        ORDER BY min(f.created_at)
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
 * The members of a package's tar, in tar order, with the header fields the tar takes from the database
 * (never from the disk): the one definition of a package's layout, so that packing it again from its
 * source files gives the same bytes, and the same SHA-256, as the first time.
 */
export async function packageMembers(m: EntityManager, packageId: string): Promise<ArchiveMember[]> {
  const rows: { path: string; size: string; sha256: string; mtime: Date }[] = await m.query(
    `SELECT relative_path AS path, size, sha256, coalesce(file_created_at, created_at) AS mtime
       FROM raw_data_file WHERE raw_data_package_id = $1 ORDER BY relative_path`,
    [packageId],
  );
  return rows.map((r) => ({ ...r, size: Number(r.size) }));
}
