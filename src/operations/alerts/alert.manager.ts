import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, IsNull } from 'typeorm';
import { Environment } from '../../config/environment';
import { Manager, PipelineManager } from '../../engine/managers/pipeline-manager';
import { Alert } from './alert.entity';
import { AlertConditions, Condition } from './alert-conditions';

/** The JSON body POSTed to ALERT_WEBHOOK_URL (documented in docs/alerts.md). */
export interface AlertNotification {
  source: 'ccat-data-transfer';
  version: 1;
  status: 'firing';
  key: string;
  kind: Condition['kind'];
  severity: Condition['severity'];
  message: string;
  details: Record<string, unknown>;
  firstSeenAt: string;
  sentAt: string;
}

/**
 * Tells operators once: each cycle computes the conditions that hold, opens an alert for each new one and
 * POSTs it to ALERT_WEBHOOK_URL, and marks alerts whose condition no longer holds resolved. A webhook that
 * fails is tried again next cycle; one that took the alert is never sent it again while it lasts.
 */
@Injectable()
@PipelineManager({ kind: 'alerts', interval: 'ALERT_MANAGER_INTERVAL' })
export class AlertManager implements Manager {
  private readonly logger = new Logger(AlertManager.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly conditions: AlertConditions,
    private readonly config: ConfigService<Environment, true>,
  ) {}

  async runCycle(): Promise<Record<string, unknown>> {
    const holding = await this.conditions.current();
    const keys = holding.map((c) => c.key);
    // One statement for all that hold. A resolved alert whose condition is back is opened again (and
    // notified again).
    if (holding.length > 0)
      await this.dataSource.query(
        `INSERT INTO alert (key, kind, severity, message, details, first_seen_at, last_seen_at)
         SELECT key, kind, severity, message, details, now(), now()
           FROM json_to_recordset($1::json) AS x(key text, kind text, severity text, message text, details jsonb)
         ON CONFLICT (key) DO UPDATE SET message = excluded.message, details = excluded.details, last_seen_at = now(),
           first_seen_at = CASE WHEN alert.resolved_at IS NULL THEN alert.first_seen_at ELSE now() END,
           notified_at = CASE WHEN alert.resolved_at IS NULL THEN alert.notified_at ELSE NULL END,
           resolved_at = NULL`,
        [
          JSON.stringify(
            holding.map((c) => ({
              key: c.key,
              kind: c.kind,
              severity: c.severity,
              message: c.message,
              details: c.details,
            })),
          ),
        ],
      );
    const [, resolved] = await this.dataSource.query(
      `UPDATE alert SET resolved_at = now() WHERE resolved_at IS NULL AND NOT (key = ANY($1::text[]))`,
      [keys],
    );
    const notified = await this.notifyOpen();
    return { holding: holding.length, notified, resolved };
  }

  private async notifyOpen(): Promise<number> {
    const url = this.config.get('ALERT_WEBHOOK_URL', { infer: true });
    if (!url) return 0;
    const open = await this.dataSource.getRepository(Alert).find({
      where: { notifiedAt: IsNull(), resolvedAt: IsNull() },
      order: { firstSeenAt: 'ASC' },
      take: 100,
    });
    let sent = 0;
    for (const a of open) {
      const body: AlertNotification = {
        source: 'ccat-data-transfer',
        version: 1,
        status: 'firing',
        key: a.key,
        kind: a.kind as Condition['kind'],
        severity: a.severity as Condition['severity'],
        message: a.message,
        details: a.details,
        firstSeenAt: a.firstSeenAt.toISOString(),
        sentAt: new Date().toISOString(),
      };
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(10_000),
        });
        if (!res.ok) throw new Error(`the webhook answered ${res.status}`);
      } catch (err) {
        this.logger.warn(`alert ${a.key} not delivered (tried again next cycle): ${(err as Error).message}`);
        continue;
      }
      await this.dataSource.query(
        `UPDATE alert SET notified_at = now() WHERE key = $1 AND notified_at IS NULL`,
        [a.key],
      );
      sent++;
    }
    return sent;
  }
}
