import { setting } from '../../config/setting';
import { Injectable } from '@nestjs/common';
import { minSafeSites } from '../../catalog/physical-copies/package-safety';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Environment } from '../../config/environment';
import { ExplainService } from '../explain/explain.service';
import { locationsOverThreshold } from '../../catalog/locations/disk-usage';
import { WORK_KINDS } from '../recovery/work-kinds';
import { lateUnsafeFiles } from '../status/oldest-not-safe.query';
import { StatusService } from '../status/status.service';
import { disksFillingUp } from './disk-full-soon';
import { stalledWork } from './stalled-work';
import { HeldConditions, unservedConditions } from './unserved-queues';
import { workWaitingForSetup } from './waiting-for-setup';
import { StorageService } from '../../engine/storage/storage.service';
import { OperationStatus } from '../../engine/work/operation-status';

export interface Condition {
  key: string;
  kind:
    | 'file_not_safe'
    | 'failed'
    | 'no_worker'
    | 'queue_unserved'
    | 'disk_over_threshold'
    | 'copy_lost'
    | 'pipeline_stalled'
    | 'waiting_for_setup'
    | 'disk_full_soon';
  severity: 'critical' | 'warning';
  message: string;
  details: Record<string, unknown>;
}

/** What operators must hear about, as it holds now: each condition with a key stable while it lasts. */
@Injectable()
export class AlertConditions {
  /** Serving gaps are alerted only once they last (QUEUE_UNSERVED_ALERT_AFTER); this remembers since when. */
  private readonly unservedSince = new HeldConditions();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: ConfigService<Environment, true>,
    private readonly statuses: StatusService,
    private readonly explainer: ExplainService,
    private readonly storage: StorageService,
  ) {}

  /** Every condition that holds now. The reads are independent: side by side on the pool, not in turn. */
  async current(): Promise<Condition[]> {
    const parts = await Promise.all([
      this.filesNotSafe(),
      this.permanentFailures(),
      this.servingGaps(),
      this.disksOverThreshold(),
      this.lostCopies(),
      this.stalled(),
      this.waitingForSetup(),
      this.disksFillingUp(),
    ]);
    return parts.flat();
  }

  /** Files registered longer than SAFE_DEADLINE ago and still not archived at enough sites: one alert. */
  private async filesNotSafe(): Promise<Condition[]> {
    const deadline = setting(this.config, 'SAFE_DEADLINE');
    const minSites = minSafeSites(this.config);
    const late = await lateUnsafeFiles(this.dataSource, deadline / 1000, minSites);
    if (!late.n || !late.oldest) return [];
    const oldest = await this.explainer.explain(late.oldest);
    return [
      {
        key: 'file_not_safe',
        kind: 'file_not_safe',
        severity: 'critical',
        message: `${late.n} file(s) not safe within ${deadline / 3_600_000} h; the oldest, ${oldest.file.path}: ${oldest.verdict}`,
        details: {
          files: late.n,
          oldestFileId: oldest.file.id,
          oldestPath: oldest.file.path,
          verdict: oldest.verdict,
        },
      },
    ];
  }

  /** Every work row FAILED for good (no retries left): one alert each. */
  private async permanentFailures(): Promise<Condition[]> {
    const found: Condition[] = [];
    for (const kind of WORK_KINDS) {
      const rows: { id: string; reason: string | null }[] = await this.dataSource.query(
        `SELECT id, failure_reason AS reason FROM ${kind.table} WHERE ${kind.statusColumn.sql} = '${OperationStatus.FAILED}' LIMIT 100`,
      );
      for (const r of rows)
        found.push({
          key: `failed:${kind.name}:${r.id}`,
          kind: 'failed',
          severity: 'critical',
          message: `${kind.name} ${r.id} failed for good: ${r.reason ?? 'no reason recorded'} (ccat-dt reset ${kind.name} ${r.id} once the cause is fixed)`,
          details: { work: kind.name, id: r.id, reason: r.reason },
        });
    }
    return found;
  }

  /**
   * Copies found lost (by `ccat-dt check --repair` or the fixity audit) and not yet replaced: one alert
   * each, while its re-replication runs, and critical with the reason when no good copy was left.
   */
  private async lostCopies(): Promise<Condition[]> {
    const rows: {
      copyId: string;
      path: string;
      location: string;
      status: string;
      reason: string | null;
      detectedBy: string;
      lossReason: string;
    }[] = await this.dataSource.query(
      `SELECT c.id AS "copyId", c.relative_path AS path, s.short_name || '/' || l.name AS location,
              r.status, r.failure_reason AS reason, r.detected_by AS "detectedBy", r.loss_reason AS "lossReason"
         FROM copy_repair r JOIN physical_copy c ON c.id = r.lost_copy_id
         JOIN data_location l ON l.id = c.location_id JOIN site s ON s.id = l.site_id
        WHERE r.status <> '${OperationStatus.COMPLETED}'
        ORDER BY r.created_at LIMIT 100`,
    );
    return rows.map((r) => ({
      key: `copy_lost:${r.copyId}`,
      kind: 'copy_lost' as const,
      severity: 'critical' as const,
      message:
        `${r.path} at ${r.location} was found ${r.lossReason === 'missing' ? 'missing' : `with the wrong ${r.lossReason}`} by ${r.detectedBy}; ` +
        (r.status === OperationStatus.FAILED
          ? `it cannot be re-replicated: ${r.reason ?? 'no reason recorded'}`
          : `re-replication from a good copy is ${r.status}`),
      details: { copyId: r.copyId, path: r.path, location: r.location, repair: r.status, reason: r.reason },
    }));
  }

  /** A stage whose open work at a site has not moved, and of which nothing completed, for STALL_ALERT_AFTER. */
  private async stalled(): Promise<Condition[]> {
    const after = setting(this.config, 'STALL_ALERT_AFTER') / 1000;
    return (await stalledWork(this.dataSource, after)).map((w) => ({
      key: `pipeline_stalled:${w.stage}:${w.site}`,
      kind: 'pipeline_stalled' as const,
      severity: 'critical' as const,
      message:
        `${w.stage} work at ${w.site} has stalled: ${w.open} waiting or running, none of it moved and none ` +
        `completed for ${Math.round(after / 60)} min (no change since ${w.idleSince.toISOString()}); ` +
        `\`ccat-dt status\` and \`ccat-dt services\` show what is missing`,
      details: { stage: w.stage, site: w.site, open: w.open, idleSince: w.idleSince },
    }));
  }

  /** Work a worker refused for its own set-up (a setting it lacks): it waits until that is fixed. */
  private async waitingForSetup(): Promise<Condition[]> {
    return (await workWaitingForSetup(this.dataSource)).map((w) => ({
      key: `waiting_for_setup:${w.stage}:${w.site}`,
      kind: 'waiting_for_setup' as const,
      severity: 'critical' as const,
      message:
        `${w.open} ${w.stage} job(s) at ${w.site} wait for their worker's set-up (no try spent, nothing ` +
        `moves until it is fixed): ${w.reason}`,
      details: { stage: w.stage, site: w.site, open: w.open, reason: w.reason },
    }));
  }

  /** A SOURCE or BUFFER disk that, at its recent rate, reaches its threshold within DISK_FULL_ALERT_HORIZON. */
  private async disksFillingUp(): Promise<Condition[]> {
    const horizon = setting(this.config, 'DISK_FULL_ALERT_HORIZON') / 1000;
    const window = setting(this.config, 'DISK_FULL_RATE_WINDOW') / 1000;
    return (await disksFillingUp(this.dataSource, window, horizon)).map((d) => ({
      key: `disk_full_soon:${d.locationId}`,
      kind: 'disk_full_soon' as const,
      severity: 'warning' as const,
      message:
        `${d.location} is ${d.usedPercent.toFixed(1)}% full and filling at ${(d.bytesPerHour / 1e9).toFixed(2)} GB/h: ` +
        `at its threshold of ${d.thresholdPercent}% in about ${(d.fullInSeconds / 3600).toFixed(1)} h ` +
        `(${new Date(Date.now() + d.fullInSeconds * 1000).toISOString()})`,
      details: { ...d },
    }));
  }

  /** Sites and queues no live worker serves (one definition: queue-coverage.ts), once they have lasted. */
  private async servingGaps(): Promise<Condition[]> {
    // Only the queues and the heartbeats: the whole status (counts over the catalogue) is not needed here.
    const holding = unservedConditions(await this.statuses.servingGaps());
    const wait = setting(this.config, 'QUEUE_UNSERVED_ALERT_AFTER');
    // Two cycles missed (run by another managers process) and what this one saw before no longer counts.
    const forgetAfter = Math.max(wait, 2 * setting(this.config, 'ALERT_MANAGER_INTERVAL'));
    const lasted = this.unservedSince.held(
      holding.map((c) => c.key),
      wait,
      forgetAfter,
    );
    return holding.filter((c) => lasted.has(c.key));
  }

  private async disksOverThreshold(): Promise<Condition[]> {
    const over = await locationsOverThreshold(this.dataSource.manager, (l) => this.storage.backendFor(l));
    return over.map(({ location, usedPercent }) => ({
      key: `disk_over_threshold:${location.id}`,
      kind: 'disk_over_threshold' as const,
      severity: 'warning' as const,
      message: `${location.site?.shortName}/${location.name} is ${usedPercent.toFixed(1)}% full, over its threshold of ${location.diskUsageThresholdPercent}%: it takes no new data`,
      details: {
        locationId: location.id,
        location: `${location.site?.shortName}/${location.name}`,
        usedPercent,
        threshold: location.diskUsageThresholdPercent,
      },
    }));
  }
}
