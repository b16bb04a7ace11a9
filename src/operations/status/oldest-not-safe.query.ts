import { unsafePackagesSql } from '../../catalog/physical-copies/package-safety';
import { filesOfPackage, UNPACKAGED_FILES } from '../../pipeline/ingest/raw-data-file.queries';
import { DataSource, EntityManager } from 'typeorm';

export interface OldestNotSafe {
  id: string;
  path: string;
  registeredAt: Date;
  ageSeconds: number;
}

/**
 * The file registered longest ago that is not yet safe (package-safety.ts), or null when every file is. What status, alerts
 * and the metrics report as the pipeline's lag. The oldest file in no package yet (the partial index
 * ix_raw_data_file_unpackaged holds exactly those), and each unsafe package's oldest file (the first entry
 * of ix_raw_data_file_package): the cost is the backlog's, never the history's.
 */
export async function oldestNotSafe(
  db: DataSource | EntityManager,
  minSites: number,
): Promise<OldestNotSafe | null> {
  const [oldest] = await db.query(
    `SELECT u.id, u.relative_path AS path, u.created_at AS "registeredAt",
            extract(epoch FROM now() - u.created_at)::int AS "ageSeconds"
       FROM ((SELECT f.id, f.relative_path, f.created_at FROM ${UNPACKAGED_FILES} f ORDER BY f.created_at LIMIT 1)
             UNION ALL
             SELECT first.* FROM (${unsafePackagesSql('$1')}) p
              CROSS JOIN LATERAL (SELECT f.id, f.relative_path, f.created_at FROM ${filesOfPackage('p.id')} f
                                   ORDER BY f.created_at LIMIT 1) first) u
      ORDER BY u.created_at LIMIT 1`,
    [minSites],
  );
  return oldest ?? null;
}

/**
 * How many files registered more than `beforeSecondsAgo` ago are not yet safe, and the oldest of them
 * (null if none): counted per unsafe package in the range of its index entries, as above.
 */
export async function lateUnsafeFiles(
  db: DataSource | EntityManager,
  beforeSecondsAgo: number,
  minSites: number,
): Promise<{ n: number; oldest: string | null }> {
  const [{ n }] = await db.query(
    `SELECT coalesce(sum(late.n), 0)::int AS n
       FROM ((SELECT count(*) AS n FROM ${UNPACKAGED_FILES} f
               WHERE f.created_at < now() - make_interval(secs => $1::float8))
             UNION ALL
             SELECT c.n FROM (${unsafePackagesSql('$2')}) p
              CROSS JOIN LATERAL (SELECT count(*) AS n FROM ${filesOfPackage('p.id')} f
                                   WHERE f.created_at < now() - make_interval(secs => $1::float8)) c) late`,
    [beforeSecondsAgo, minSites],
  );
  // The oldest unsafe file is older than every late one, so it is the oldest late one when there is any.
  return { n, oldest: n > 0 ? ((await oldestNotSafe(db, minSites))?.id ?? null) : null };
}

/**
 * The backlog: files (and their bytes) not yet safe, by the same definition and indexes as above: the
 * files in no package, and the files of each unsafe package. One row (files, bytes); its cost is the
 * backlog's, not the history's. `minSites` is the SQL of the parameter.
 */
export const notSafeTotalsSql = (minSites: string) => `
  SELECT coalesce(sum(n.files), 0)::float8 AS files, coalesce(sum(n.bytes), 0)::float8 AS bytes
    FROM ((SELECT count(*) AS files, sum(f.size) AS bytes FROM ${UNPACKAGED_FILES} f)
          UNION ALL
          SELECT c.files, c.bytes FROM (${unsafePackagesSql(minSites)}) p
           CROSS JOIN LATERAL (SELECT count(*) AS files, sum(f.size) AS bytes FROM ${filesOfPackage('p.id')} f) c) n`;
