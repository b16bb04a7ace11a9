import { EntityManager } from 'typeorm';
import { ArchiveMember } from './package-archive';
import { fileCopiesOfPackage, filesOfPackage, obsUnitsNamed } from '../ingest/raw-data-file.queries';
import { PackageState } from './raw-data-package.states';
import { CopyStatus } from '../../catalog/physical-copies/physical-copy.states';
import { LocationType } from '../../catalog/locations/location-type';

/**
 * The members of a package's tar, in tar order, with the header fields the tar takes from the database
 * (never from the disk): the one definition of a package's layout, so that packing it again from its
 * source files gives the same bytes, and the same SHA-256, as the first time.
 */
export async function packageMembers(m: EntityManager, packageId: string): Promise<ArchiveMember[]> {
  const rows: { path: string; size: string; sha256: string; mtime: Date }[] = await m.query(
    `SELECT relative_path AS path, size, sha256, coalesce(file_created_at, created_at) AS mtime
       FROM ${filesOfPackage('$1')} f ORDER BY relative_path`,
    [packageId],
  );
  return rows.map((r) => ({ ...r, size: Number(r.size) }));
}

/*
 * Fragments other stages compose into their statements, so that only this stage names its tables.
 * Arguments are SQL expressions, never user input.
 */

/** The bundle of package `pkg` (SQL for its id), as a scalar subquery: null until it is bundled. */
export const bundleOfPackage = (pkg: string) =>
  `(SELECT bp.data_transfer_package_id FROM raw_data_package bp WHERE bp.id = ${pkg})`;

/**
 * The ids of archived packages whose source files are not yet all deleted (`source_released_at` unset): a
 * FROM item (`AS held`); the planner pulls it up, so the partial index on unreleased packages serves it.
 */
export const PACKAGES_HELD_AT_SOURCE = `(SELECT id FROM raw_data_package
   WHERE state = '${PackageState.ARCHIVED}' AND source_released_at IS NULL)`;

/**
 * Marks archived packages none of whose files is left at SOURCE (every such copy DELETED; a LOST one keeps
 * the package held until its repair is dealt with), so that the deletion rules stop looking at them.
 * Returns how many were marked.
 */
export async function releaseSourcePackages(m: EntityManager): Promise<number> {
  // TypeORM returns [rows, count] for an UPDATE.
  const [, released] = await m.query(
    `UPDATE raw_data_package p SET source_released_at = now()
      WHERE p.state = '${PackageState.ARCHIVED}' AND p.source_released_at IS NULL
        AND NOT EXISTS (SELECT 1 FROM (${fileCopiesOfPackage('p.id')}) c JOIN data_location l ON l.id = c.location_id
                         WHERE l.location_type = '${LocationType.SOURCE}' AND c.status <> '${CopyStatus.DELETED}')`,
  );
  return released;
}

/** Of `packageIds`, those that exist. */
export async function existingPackages(m: EntityManager, packageIds: string[]): Promise<string[]> {
  const rows: { id: string }[] = await m.query(`SELECT id FROM raw_data_package WHERE id = ANY($1::uuid[])`, [
    packageIds,
  ]);
  return rows.map((r) => r.id);
}

/** The packages of the obs unit that `ref` names by id or by name. */
export async function packagesOfObsUnit(m: EntityManager, ref: string): Promise<string[]> {
  const rows: { id: string }[] = await m.query(
    `SELECT p.id FROM raw_data_package p WHERE p.executed_obs_unit_id IN ${obsUnitsNamed('$1')}`,
    [ref],
  );
  return rows.map((r) => r.id);
}

/** Names of up to `limit` of `packageIds` with no PRESENT copy in any long-term archive, in name order. */
export async function packagesNotInAnArchive(
  m: EntityManager,
  packageIds: string[],
  limit: number,
): Promise<string[]> {
  const rows: { name: string }[] = await m.query(
    `SELECT p.name FROM raw_data_package p WHERE p.id = ANY($1::uuid[]) AND NOT EXISTS (
       SELECT 1 FROM physical_copy c JOIN data_location l ON l.id = c.location_id
        WHERE c.raw_data_package_id = p.id AND c.status = '${CopyStatus.PRESENT}' AND l.location_type = '${LocationType.LONG_TERM_ARCHIVE}')
     ORDER BY p.name LIMIT $2`,
    [packageIds, limit],
  );
  return rows.map((r) => r.name);
}

/** The source location of package `pkg` (SQL for its id), as a scalar subquery. */
export const sourceLocationOfPackage = (pkg: string) =>
  `(SELECT sp.source_location_id FROM raw_data_package sp WHERE sp.id = ${pkg})`;

/** The packages `packageIds`, in name order: what a reader needs to fetch and check each. */
export async function packageHeaders(
  m: EntityManager,
  packageIds: string[],
): Promise<{ id: string; name: string; size: number; sha256: string }[]> {
  return m.query(
    `SELECT p.id, p.name, p.size::float8 AS size, p.sha256 FROM raw_data_package p
      WHERE p.id = ANY($1::uuid[]) ORDER BY p.name`,
    [packageIds],
  );
}

/** One package as the archives' sidecars record it: its row, module, and source site and location. */
export async function packageRecord(
  m: EntityManager,
  packageId: string,
): Promise<
  | {
      id: string;
      name: string;
      relative_path: string;
      size: string;
      sha256: string | null;
      sequence: number;
      unit_id: string;
      module: string;
      site: string;
      location: string;
    }
  | undefined
> {
  const [p] = await m.query(
    `SELECT p.id, p.name, p.relative_path, p.size, p.sha256, p.sequence, p.executed_obs_unit_id AS unit_id,
            im.name AS module, s.short_name AS site, l.name AS location
       FROM raw_data_package p
       JOIN instrument_module im ON im.id = p.instrument_module_id
       JOIN data_location l ON l.id = p.source_location_id
       JOIN site s ON s.id = l.site_id
      WHERE p.id = $1`,
    [packageId],
  );
  return p;
}

/** Of the packages, those in `state` (SQL for it: a parameter), as a subquery of ids. */
export const packagesInState = (state: string) => `(SELECT id FROM raw_data_package WHERE state = ${state})`;

/**
 * Package `packageId`'s name and source location, how many files it holds and how many of them still have
 * a copy in one of `statuses` at its source location: whether it can be packed again from there.
 */
export async function packageFilesAtSource(
  m: EntityManager,
  packageId: string,
  statuses: readonly string[],
): Promise<{ name: string; sourceId: number; files: number; atSource: number } | undefined> {
  const [row] = await m.query(
    `SELECT p.name, p.source_location_id AS "sourceId",
            (SELECT count(*)::int FROM (${fileCopiesOfPackage('p.id')}) c
              WHERE c.location_id = p.source_location_id AND c.status = ANY($2::copy_status[])) AS "atSource",
            (SELECT count(*)::int FROM ${filesOfPackage('p.id')} f) AS files
       FROM raw_data_package p WHERE p.id = $1`,
    [packageId, statuses],
  );
  return row;
}

/** The number of files the packages in `packageIds` (SQL for a uuid array) hold, as a scalar subquery. */
export const fileCountOfPackages = (packageIds: string) =>
  `(SELECT coalesce(sum(fp.file_count), 0) FROM raw_data_package fp WHERE fp.id = ANY(${packageIds}))`;

/** The size of package `pkg` (SQL for its id), as a scalar subquery. */
export const sizeOfPackage = (pkg: string) =>
  `(SELECT ps.size FROM raw_data_package ps WHERE ps.id = ${pkg})`;

/** The name of package `pkg` (SQL for its id), as a scalar subquery. */
export const nameOfPackage = (pkg: string) =>
  `(SELECT pn.name FROM raw_data_package pn WHERE pn.id = ${pkg})`;

/** The number of files of package `pkg` (SQL for its id), as a scalar subquery. */
export const fileCountOfPackage = (pkg: string) =>
  `(SELECT pc.file_count FROM raw_data_package pc WHERE pc.id = ${pkg})`;

/**
 * The ARCHIVED packages among those whose ids `ids` (an SQL SELECT of ids) yields, as a FROM item: looked
 * up one by one by key (`= ANY(ARRAY(...))`), so that a few ids cost a few lookups, not a scan of every
 * package that the planner might join them with.
 */
export const archivedPackagesAmong = (ids: string) =>
  `(SELECT * FROM raw_data_package WHERE state = '${PackageState.ARCHIVED}' AND id = ANY(ARRAY(${ids})))`;

/** The packages of the obs units in `units` (SQL for a set of their ids), as a set of ids for `IN`. */
export const packagesOfObsUnits = (units: string) =>
  `(SELECT pu.id FROM raw_data_package pu WHERE pu.executed_obs_unit_id IN ${units})`;
