import { EntityManager } from 'typeorm';
import { RawDataFileView } from './raw-data-file.view';

/** One file with its names resolved and every copy, in two indexed queries. */
export async function findRawDataFileView(m: EntityManager, id: string): Promise<RawDataFileView | null> {
  const [row] = await m.query(
    `SELECT f.id, f.relative_path, f.size, f.sha256, f.executed_obs_unit_id, f.file_created_at, f.file_type,
            f.metadata, f.created_at, f.raw_data_package_id,
            s.short_name AS site, l.name AS location, im.name AS module, i.name AS instrument
       FROM raw_data_file f
       JOIN data_location l ON l.id = f.source_location_id
       JOIN site s ON s.id = l.site_id
       JOIN instrument_module im ON im.id = f.instrument_module_id
       JOIN instrument i ON i.id = im.instrument_id
      WHERE f.id = $1`,
    [id],
  );
  if (!row) return null;
  const copies = await m.query(
    `SELECT s.short_name AS site, l.name AS location, l.location_type, c.status, c.relative_path, c.verified_at
       FROM physical_copy c
       JOIN data_location l ON l.id = c.location_id
       JOIN site s ON s.id = l.site_id
      WHERE c.raw_data_file_id = $1
      ORDER BY c.created_at`,
    [id],
  );
  return {
    id: row.id,
    site: row.site,
    location: row.location,
    path: row.relative_path,
    size: Number(row.size),
    sha256: row.sha256,
    executedObsUnitId: row.executed_obs_unit_id,
    instrument: row.instrument,
    instrumentModule: row.module,
    fileCreatedAt: row.file_created_at?.toISOString() ?? null,
    fileType: row.file_type,
    metadata: row.metadata,
    registeredAt: row.created_at.toISOString(),
    rawDataPackageId: row.raw_data_package_id,
    copies: copies.map((c: Record<string, never>) => ({
      site: c.site,
      location: c.location,
      locationType: c.location_type,
      status: c.status,
      path: c.relative_path,
      verifiedAt: (c.verified_at as Date).toISOString(),
    })),
  };
}
