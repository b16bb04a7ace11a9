import { DataSource, EntityManager } from 'typeorm';

export interface FillingDisk {
  locationId: number;
  /** `site/location`. */
  location: string;
  usedPercent: number;
  thresholdPercent: number;
  bytesPerHour: number;
  /** Seconds until the threshold at the current rate. */
  fullInSeconds: number;
}

/**
 * Active SOURCE and BUFFER disks that, at the rate they filled over the last `windowSeconds` (a least-squares
 * line through location_usage_sample), reach their threshold (100% where none is set) within
 * `horizonSeconds`. A location with too little history (fewer than 3 samples, or spanning less than a
 * quarter of the window) or already over its threshold (the disk_over_threshold alert) is left out.
 */
export async function disksFillingUp(
  db: DataSource | EntityManager,
  windowSeconds: number,
  horizonSeconds: number,
): Promise<FillingDisk[]> {
  const rows: {
    locationId: number;
    location: string;
    threshold: number;
    slope: number | null;
    used: number;
    total: number;
    samples: number;
    span: number;
  }[] = await db.query(
    `SELECT l.id AS "locationId", s.short_name || '/' || l.name AS location,
            coalesce(l.disk_usage_threshold_percent, 100)::float8 AS threshold,
            regr_slope(u.used_bytes::float8, extract(epoch FROM u.measured_at))::float8 AS slope,
            (array_agg(u.used_bytes ORDER BY u.measured_at DESC))[1]::float8 AS used,
            (array_agg(u.total_bytes ORDER BY u.measured_at DESC))[1]::float8 AS total,
            count(*)::int AS samples, extract(epoch FROM max(u.measured_at) - min(u.measured_at))::float8 AS span
       FROM data_location l JOIN site s ON s.id = l.site_id
       JOIN location_usage_sample u ON u.location_id = l.id
        AND u.measured_at > now() - make_interval(secs => $1::float8)
      WHERE l.active AND l.location_type IN ('source', 'buffer') AND l.storage_type = 'disk'
      GROUP BY l.id, s.short_name, l.name, l.disk_usage_threshold_percent`,
    [windowSeconds],
  );
  const filling: FillingDisk[] = [];
  for (const r of rows) {
    if (r.samples < 3 || r.span < windowSeconds / 4 || !r.slope || r.slope <= 0 || r.total <= 0) continue;
    const thresholdBytes = (r.total * r.threshold) / 100;
    if (r.used >= thresholdBytes) continue;
    const fullInSeconds = (thresholdBytes - r.used) / r.slope;
    if (fullInSeconds > horizonSeconds) continue;
    filling.push({
      locationId: r.locationId,
      location: r.location,
      usedPercent: (100 * r.used) / r.total,
      thresholdPercent: r.threshold,
      bytesPerHour: r.slope * 3600,
      fullInSeconds,
    });
  }
  return filling;
}
