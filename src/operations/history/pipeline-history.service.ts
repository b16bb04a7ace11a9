import { Injectable } from '@nestjs/common';
import { FILE_TOTALS } from '../../pipeline/ingest/raw-data-file.queries';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Environment } from '../../config/environment';
import { stalledWork } from '../alerts/stalled-work';
import { minSafeSites } from '../../catalog/physical-copies/package-safety';
import { notSafeTotalsSql } from '../status/oldest-not-safe.query';
import { currentRate, HOUR_MS, HourPoint, HourRow, hourlySeries, SafeRate } from './hourly-series';

/** How long hourly rows are kept: the charts show a week; a month more lets one look back at an incident. */
export const HISTORY_RETENTION_DAYS = 35;
/** The charts' "stalled since": a stage whose open work has not moved, with nothing of it completed, for this long. */
export const CHART_STALL_AFTER_SECONDS = 3600;

export interface PipelineHistory {
  from: Date;
  hours: HourPoint[];
  rate: SafeRate | null;
  /** Since when a stage has stalled (the pipeline_stalled condition, over an hour), or null. */
  stalledSince: Date | null;
  /** The stalled stages, `<stage> at <site>`. */
  stalled: string[];
}

/**
 * The pipeline over time: a sample of the catalogue's totals and its backlog (files not yet safe) once per
 * HISTORY_MANAGER_INTERVAL into pipeline_hour, and the last days read back from it for the console's charts.
 * The totals come from the file totals the triggers keep (FILE_TOTALS) and the backlog from the indexes of unsafe work, so a sample
 * costs the backlog's size and a week's read 168 rows, at a thousand files as at ten million.
 */
@Injectable()
export class PipelineHistoryService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: ConfigService<Environment, true>,
  ) {}

  /** Takes one sample into the current hour's row (its base: the latest sample of an earlier hour). */
  async sample(): Promise<{ hour: Date; backlogFiles: number }> {
    // One statement, one snapshot: the totals and the backlog are of the same moment.
    const [row] = await this.dataSource.query(
      `WITH clock AS (SELECT now() AS at, date_trunc('hour', now()) AS hour),
            totals AS (SELECT files::bigint AS files, bytes::bigint AS bytes FROM ${FILE_TOTALS} ft),
            backlog AS (${notSafeTotalsSql('$1')}),
            base AS (SELECT sampled_at, files_total - backlog_files AS files_safe, bytes_total - backlog_bytes AS bytes_safe
                       FROM pipeline_hour WHERE hour < (SELECT hour FROM clock) ORDER BY hour DESC LIMIT 1)
       INSERT INTO pipeline_hour (hour, sampled_at, files_total, bytes_total, backlog_files, backlog_bytes,
                                  base_at, base_files_safe, base_bytes_safe)
       SELECT c.hour, c.at, t.files, t.bytes, b.files::bigint, b.bytes::bigint,
              coalesce(p.sampled_at, c.at), coalesce(p.files_safe, t.files - b.files::bigint),
              coalesce(p.bytes_safe, t.bytes - b.bytes::bigint)
         FROM clock c CROSS JOIN totals t CROSS JOIN backlog b LEFT JOIN base p ON true
       ON CONFLICT (hour) DO UPDATE SET sampled_at = EXCLUDED.sampled_at, files_total = EXCLUDED.files_total,
              bytes_total = EXCLUDED.bytes_total, backlog_files = EXCLUDED.backlog_files,
              backlog_bytes = EXCLUDED.backlog_bytes
        WHERE pipeline_hour.sampled_at < EXCLUDED.sampled_at
       RETURNING hour, backlog_files::float8 AS "backlogFiles"`,
      [minSafeSites(this.config)],
    );
    await this.dataSource.query(`DELETE FROM pipeline_hour WHERE hour < now() - make_interval(days => $1)`, [
      HISTORY_RETENTION_DAYS,
    ]);
    return row ?? { hour: new Date(), backlogFiles: 0 };
  }

  /** The last `days` days by the hour, up to and including the current hour. */
  async history(days: number, now = new Date()): Promise<PipelineHistory> {
    const hours = days * 24;
    const from = new Date(Math.floor(now.getTime() / HOUR_MS) * HOUR_MS - (hours - 1) * HOUR_MS);
    // The hour before `from` too: the rate may start there.
    const rows: HourRow[] = await this.dataSource.query(
      `SELECT hour, sampled_at AS "sampledAt", files_total::float8 AS "filesTotal", bytes_total::float8 AS "bytesTotal",
              backlog_files::float8 AS "backlogFiles", backlog_bytes::float8 AS "backlogBytes", base_at AS "baseAt",
              base_files_safe::float8 AS "baseFilesSafe", base_bytes_safe::float8 AS "baseBytesSafe"
         FROM pipeline_hour WHERE hour >= $1 ORDER BY hour`,
      [new Date(from.getTime() - HOUR_MS)],
    );
    const stalled = await stalledWork(this.dataSource, CHART_STALL_AFTER_SECONDS);
    const since = stalled.map((s) => new Date(s.idleSince).getTime());
    return {
      from,
      hours: hourlySeries(rows, from, hours),
      rate: currentRate(rows, now),
      stalledSince: since.length ? new Date(Math.min(...since)) : null,
      stalled: stalled.map((s) => `${s.stage} at ${s.site}`),
    };
  }
}
