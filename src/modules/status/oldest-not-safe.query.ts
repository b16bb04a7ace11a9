import { DataSource, EntityManager } from 'typeorm';

export interface OldestNotSafe {
  id: string;
  path: string;
  registeredAt: Date;
  ageSeconds: number;
}

/**
 * The files not yet safe (their package not ARCHIVED at `minSites` archive sites, or no package yet), as
 * two branches the indexes serve, so the cost is the backlog's, never the history's: files in no package
 * (the partial index ix_raw_data_file_unpackaged holds exactly those), and the files of the packages not
 * safe (found by ix_raw_data_package_not_archived and ix_raw_data_package_archived_sites, their files by
 * ix_raw_data_file_package). `minSites` is the SQL of the parameter, e.g. `$1`.
 */
export const unsafeFiles = (minSites: string) => `
  SELECT f.id, f.relative_path, f.created_at FROM raw_data_file f WHERE f.raw_data_package_id IS NULL
  UNION ALL
  SELECT f.id, f.relative_path, f.created_at
    FROM raw_data_package p JOIN raw_data_file f ON f.raw_data_package_id = p.id
   WHERE p.state <> 'archived' OR (p.state = 'archived' AND p.lta_site_count < ${minSites})`;

/**
 * The file registered longest ago that is not yet safe, or null when every file is. What status, alerts
 * and the metrics report as the pipeline's lag.
 */
export async function oldestNotSafe(
  db: DataSource | EntityManager,
  minSites: number,
): Promise<OldestNotSafe | null> {
  const [oldest] = await db.query(
    `SELECT u.id, u.relative_path AS path, u.created_at AS "registeredAt",
            extract(epoch FROM now() - u.created_at)::int AS "ageSeconds"
       FROM (${unsafeFiles('$1')}) u
      ORDER BY u.created_at LIMIT 1`,
    [minSites],
  );
  return oldest ?? null;
}

/** How many files registered before `before` are not yet safe, and the oldest of them (null if none). */
export async function lateUnsafeFiles(
  db: DataSource | EntityManager,
  beforeSecondsAgo: number,
  minSites: number,
): Promise<{ n: number; oldest: string | null }> {
  const [late] = await db.query(
    `SELECT count(*)::int AS n, (array_agg(u.id ORDER BY u.created_at))[1] AS oldest
       FROM (${unsafeFiles('$2')}) u
      WHERE u.created_at < now() - make_interval(secs => $1::float8)`,
    [beforeSecondsAgo, minSites],
  );
  return late;
}
