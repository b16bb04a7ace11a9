import { DataSource, EntityManager } from 'typeorm';

export interface OldestNotSafe {
  id: string;
  path: string;
  registeredAt: Date;
  ageSeconds: number;
}

/**
 * The file registered longest ago that is not yet safe (its package not ARCHIVED at `minSites` archive
 * sites), or null when every file is. What status, alerts and the metrics report as the pipeline's lag.
 */
export async function oldestNotSafe(
  db: DataSource | EntityManager,
  minSites: number,
): Promise<OldestNotSafe | null> {
  const [oldest] = await db.query(
    `SELECT f.id, f.relative_path AS path, f.created_at AS "registeredAt",
            extract(epoch FROM now() - f.created_at)::int AS "ageSeconds"
       FROM raw_data_file f LEFT JOIN raw_data_package p ON p.id = f.raw_data_package_id
      WHERE p.id IS NULL OR p.state <> 'archived' OR p.lta_site_count < $1
      ORDER BY f.created_at LIMIT 1`,
    [minSites],
  );
  return oldest ?? null;
}
