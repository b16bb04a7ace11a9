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

/*
 * Fragments other stages compose into their statements, so that only this stage names its tables. Each
 * returns SQL text; arguments are SQL expressions, never user input.
 */

/** The files of package `pkg` (SQL for its id), as a FROM item: the planner pulls it up into the caller's query. */
export const filesOfPackage = (pkg: string) =>
  `(SELECT * FROM raw_data_file WHERE raw_data_package_id = ${pkg})`;

/** Files in no package yet (withdrawn ones aside), as a FROM item: the partial index ix_raw_data_file_unpackaged. */
export const UNPACKAGED_FILES = `(SELECT * FROM raw_data_file WHERE raw_data_package_id IS NULL AND withdrawn_at IS NULL)`;

/** The catalogue's file totals (files, bytes) kept by triggers, as a one-row FROM item: no scan of the files. */
export const FILE_TOTALS = `(SELECT coalesce(sum(files), 0) AS files, coalesce(sum(bytes), 0) AS bytes
   FROM raw_data_file_totals)`;

/** The files of the packages in `pkgs` (SQL for a uuid array), as a FROM item (LATERAL where `pkgs` is a column). */
export const filesOfPackages = (pkgs: string) =>
  `(SELECT * FROM raw_data_file WHERE raw_data_package_id = ANY(${pkgs}))`;

/** The name of obs unit `unit` (SQL for its id), as a scalar subquery. */
export const obsUnitName = (unit: string) =>
  `(SELECT un.obs_unit FROM executed_obs_unit un WHERE un.id = ${unit})`;

/** The package of file `file` (SQL for its id), as a scalar subquery: null while it is unpackaged. */
export const packageOfFile = (file: string) =>
  `(SELECT pf.raw_data_package_id FROM raw_data_file pf WHERE pf.id = ${file})`;

/** A SELECT of every copy (`c.*`) of the files of package `pkg`, through the index on the file's package. */
export const fileCopiesOfPackage = (pkg: string) =>
  `SELECT c.* FROM raw_data_file hf JOIN physical_copy c ON c.raw_data_file_id = hf.id
    WHERE hf.raw_data_package_id = ${pkg}`;

/** Of `fileIds`, how many are registered. */
export async function countRegisteredFiles(m: EntityManager, fileIds: string[]): Promise<number> {
  const [{ n }] = await m.query(`SELECT count(*)::int AS n FROM raw_data_file WHERE id = ANY($1::uuid[])`, [
    fileIds,
  ]);
  return n;
}

/** The distinct packages holding any of `fileIds` (unpackaged files name none). */
export async function packagesOfFiles(m: EntityManager, fileIds: string[]): Promise<string[]> {
  const rows: { id: string }[] = await m.query(
    `SELECT DISTINCT raw_data_package_id AS id FROM raw_data_file
      WHERE id = ANY($1::uuid[]) AND raw_data_package_id IS NOT NULL`,
    [fileIds],
  );
  return rows.map((r) => r.id);
}

/** How many files, and how many bytes, the packages `packageIds` hold. */
export async function fileTotalsOfPackages(
  m: EntityManager,
  packageIds: string[],
): Promise<{ files: number; bytes: number }> {
  const [totals] = await m.query(
    `SELECT count(*)::int AS files, coalesce(sum(size), 0)::float8 AS bytes FROM raw_data_file
      WHERE raw_data_package_id = ANY($1::uuid[])`,
    [packageIds],
  );
  return totals;
}

/** The ids of the obs units that `ref` (SQL: a text expression) names by id or by name, as a subquery. */
export const obsUnitsNamed = (ref: string) =>
  `(SELECT u.id FROM executed_obs_unit u WHERE u.id::text = ${ref} OR u.obs_unit = ${ref})`;

/** One obs unit as the archives' sidecars record it, with its instrument's name. */
export async function obsUnitRecord(
  m: EntityManager,
  unitId: string,
): Promise<{
  id: string;
  obs_unit: string;
  started_at: Date;
  finished_at: Date | null;
  outcome: string | null;
  metadata: Record<string, unknown> | null;
  instrument: string;
}> {
  const [u] = await m.query(
    `SELECT u.id, u.obs_unit, u.started_at, u.finished_at, u.outcome, u.metadata, i.name AS instrument
       FROM executed_obs_unit u JOIN instrument i ON i.id = u.instrument_id WHERE u.id = $1`,
    [unitId],
  );
  return u;
}

/** Every file of package `packageId` as the archives' sidecars record it. */
export function fileRecordsOfPackage(
  m: EntityManager,
  packageId: string,
): Promise<
  {
    id: string;
    relative_path: string;
    size: string;
    sha256: string;
    created_at: Date;
    file_created_at: Date | null;
    file_type: string | null;
    metadata: Record<string, unknown> | null;
  }[]
> {
  return m.query(
    `SELECT id, relative_path, size, sha256, created_at, file_created_at, file_type, metadata
       FROM raw_data_file WHERE raw_data_package_id = $1`,
    [packageId],
  );
}

/** Whether file `fileId` was withdrawn by an operator (false for an unknown id). */
export async function isWithdrawn(m: EntityManager, fileId: string): Promise<boolean> {
  const [file] = await m.query(`SELECT withdrawn_at FROM raw_data_file WHERE id = $1`, [fileId]);
  return Boolean(file?.withdrawn_at);
}
