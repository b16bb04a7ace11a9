import { setting } from '../../config/setting';
import { LIVE_COPY_TOTALS_SQL } from '../../catalog/physical-copies/location-copy-totals.entity';
import { Inject, Injectable } from '@nestjs/common';
import { minSafeSites, safeFileCountSql } from '../../catalog/physical-copies/package-safety';
import { FILE_TOTALS } from '../../pipeline/ingest/raw-data-file.queries';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { REDIS } from '../../engine/redis/redis.module';
import { Environment } from '../../config/environment';
import { WorkKind } from '../../engine/work/work-kind';
import { ARCHIVE_WORK } from '../../pipeline/archive/long-term-archive-transfer.work';
import { BUNDLE_WORK } from '../../pipeline/bundling/data-transfer-package.work';
import { PACKAGE_WORK } from '../../pipeline/packaging/raw-data-package.work';
import { TRANSFER_WORK, UNPACK_WORK } from '../../pipeline/transfer/data-transfer.work';
import { DeletionSwitchService } from '../../pipeline/deletion/deletion-switch.service';
import { ReplicationProgress } from '../../pipeline/archive/replication-progress';
import { ReplicationSwitchService } from '../../pipeline/archive/replication-switch.service';
import { Heartbeat, readHeartbeats } from '../../engine/heartbeats/heartbeat';
import { QueueCoverageService, ServingGaps } from '../../engine/queues/queue-coverage';
import { OldestNotSafe, oldestNotSafe } from './oldest-not-safe.query';
import { CopyStatus } from '../../catalog/physical-copies/physical-copy.states';
import { OperationStatus } from '../../engine/work/operation-status';

export type LiveService = Heartbeat & { ttlMs: number };

export interface PipelineStatus {
  at: Date;
  files: { total: number; safe: number; bytes: number };
  oldestNotSafe: OldestNotSafe | null;
  /** Rows per stage and status, e.g. { stage: 'transfer', status: 'in_progress', count: 3 }. */
  work: { stage: string; status: string; count: number }[];
  copies: {
    site: string;
    location: string;
    type: string;
    present: number;
    bytes: number;
    deleting: number;
    /** From the last MONITORING measurement of a disk: how full it is, and its threshold. */
    usedPercent: number | null;
    threshold: number | null;
  }[];
  failed: number;
  deletionPaused: { since: Date | null; by: string | null; reason: string | null } | null;
  /** The archive sites' backfill by replication, and its pauses. */
  replication: ReplicationProgress;
  services: LiveService[];
  /** Sites with active locations and no live worker serving any of their queues. */
  sitesWithoutWorker: string[];
  /** Queues of active locations that no live worker serves (src/engine/queues/queue-coverage.ts). */
  unservedQueues: { name: string; site: string; location: string; operation: string }[];
}

/**
 * The stages the status screen counts work of, in the order data meets them. Staging, repairs and fixity
 * checks keep their history in their tables (one row per check, for years), so they are not counted here.
 */
const STATUS_STAGES: WorkKind[] = [
  PACKAGE_WORK,
  BUNDLE_WORK,
  TRANSFER_WORK,
  UNPACK_WORK,
  ARCHIVE_WORK,
] as WorkKind[];

/**
 * The pipeline on one page: what `ccat-dt status` prints and what alerts are computed from. Counts come
 * from the database, liveness from the heartbeats in Redis.
 */
@Injectable()
export class StatusService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly config: ConfigService<Environment, true>,
    private readonly deletionSwitch: DeletionSwitchService,
    private readonly replication: ReplicationSwitchService,
    private readonly coverage: QueueCoverageService,
  ) {}

  async status(): Promise<PipelineStatus> {
    const minSites = minSafeSites(this.config);
    // The totals the triggers keep, and the safe files counted by package: no scan of every file.
    const [files] = await this.dataSource.query(
      `SELECT t.files::int AS total, t.bytes::float8 AS bytes, ${safeFileCountSql('$1')}::int AS safe
         FROM ${FILE_TOTALS} t`,
      [minSites],
    );
    const oldest = await oldestNotSafe(this.dataSource, minSites);
    // Names from the stages' own declarations (constants of the code).
    const byStage = STATUS_STAGES.map(
      (k) =>
        `SELECT '${k.name}' AS stage, ${k.statusColumn.sql}::text AS status, count(*)::int AS count FROM ${k.table} GROUP BY 2`,
    ).join(' UNION ALL ');
    const work = await this.dataSource.query(
      `${byStage}
       UNION ALL SELECT 'deletion', status::text, count(*)::int FROM physical_copy
                  WHERE status IN ('${CopyStatus.DELETION_SCHEDULED}', '${CopyStatus.DELETION_IN_PROGRESS}', '${CopyStatus.DELETION_FAILED}') GROUP BY 2
       ORDER BY 1, 2`,
    );
    // Live copies from the totals the database keeps per location and status: a few rows per location,
    // not every copy the archive holds.
    const copies = await this.dataSource.query(
      `SELECT s.short_name AS site, l.name AS location, l.location_type::text AS type,
              coalesce(sum(c.copies) FILTER (WHERE c.status IN ('${CopyStatus.PRESENT}', '${CopyStatus.STAGED}', '${CopyStatus.DELETION_POSSIBLE}')), 0)::int AS present,
              coalesce(sum(c.bytes) FILTER (WHERE c.status IN ('${CopyStatus.PRESENT}', '${CopyStatus.STAGED}', '${CopyStatus.DELETION_POSSIBLE}')), 0)::float8 AS bytes,
              coalesce(sum(c.copies) FILTER (WHERE c.status IN ('${CopyStatus.DELETION_SCHEDULED}', '${CopyStatus.DELETION_IN_PROGRESS}', '${CopyStatus.DELETION_FAILED}')), 0)::int AS deleting,
              max(CASE WHEN u.total_bytes > 0 THEN 100.0 * (u.total_bytes - u.free_bytes) / u.total_bytes END)::float8 AS "usedPercent",
              max(l.disk_usage_threshold_percent)::float8 AS threshold
         FROM data_location l JOIN site s ON s.id = l.site_id
         LEFT JOIN (${LIVE_COPY_TOTALS_SQL}) c ON c.location_id = l.id
         LEFT JOIN location_usage u ON u.location_id = l.id
        GROUP BY s.short_name, l.name, l.location_type ORDER BY 1, 2`,
    );
    const failed = work
      .filter(
        (w: { status: string }) =>
          w.status === OperationStatus.FAILED || w.status === CopyStatus.DELETION_FAILED,
      )
      .reduce((n: number, w: { count: number }) => n + w.count, 0);
    const sw = await this.deletionSwitch.state();
    const services = await this.services();
    const gaps = await this.servingGaps();
    return {
      at: new Date(),
      files,
      oldestNotSafe: oldest,
      work,
      copies,
      failed,
      deletionPaused: sw.paused ? { since: sw.changedAt, by: sw.changedBy, reason: sw.reason } : null,
      replication: await this.replication.progress(),
      services,
      sitesWithoutWorker: gaps.sitesWithoutWorker,
      unservedQueues: gaps.unservedQueues.map(({ name, site, location, operation }) => ({
        name,
        site,
        location,
        operation,
      })),
    };
  }

  /** Queues no live worker serves, and sites none of whose queues one serves: the one definition. */
  servingGaps(): Promise<ServingGaps> {
    return this.coverage.gaps();
  }

  /** Live processes, from their heartbeat keys, with how long each has until it expires. */
  async services(): Promise<LiveService[]> {
    const prefix = setting(this.config, 'REDIS_KEY_PREFIX');
    return (await readHeartbeats(this.redis, prefix)).map(({ beat, ttlMs }) => ({
      ...beat,
      serves: beat.serves ?? [],
      ttlMs,
    }));
  }
}
