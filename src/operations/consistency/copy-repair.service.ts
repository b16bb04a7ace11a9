import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { LostCopy, RepairOutcome } from './check-report';
import { markLost } from './lost-copies';
import { OperationStatus } from '../../engine/work/operation-status';

interface RepairRow {
  id: string;
  copyId: string;
  status: string;
  newCopyId: string | null;
  failureReason: string | null;
  source: string | null;
}

/**
 * `check --repair`: marks the lost copies (audited as `check`), plans their re-replication, and waits for
 * the workers of their locations to do it (the copy repair manager hands each to its location's queue).
 * Bytes are never moved here: only a worker serving a location writes into it.
 */
@Injectable()
export class CopyRepairService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async repair(lost: LostCopy[], waitMs: number): Promise<RepairOutcome[]> {
    const outcomes = new Map<string, RepairOutcome>();
    const repairs = new Map<string, string>();
    for (const l of lost) {
      const repairId = await this.dataSource.transaction((tx) =>
        markLost(tx, { copyId: l.copyId, reason: l.reason, detectedBy: 'check' }),
      );
      if (repairId) repairs.set(repairId, l.copyId);
      else
        outcomes.set(l.copyId, {
          copyId: l.copyId,
          newCopyId: null,
          action: 'skipped: the copy is no longer live',
        });
    }
    const deadline = Date.now() + waitMs;
    let open = [...repairs.keys()];
    while (open.length > 0) {
      const rows = await this.rows(open);
      for (const r of rows) {
        if (r.status === OperationStatus.COMPLETED)
          outcomes.set(r.copyId, {
            copyId: r.copyId,
            newCopyId: r.newCopyId,
            action: `replaced from ${r.source}`,
          });
        else if (r.status === OperationStatus.FAILED)
          outcomes.set(r.copyId, { copyId: r.copyId, newCopyId: null, action: r.failureReason ?? 'failed' });
      }
      open = rows
        .filter((r) => r.status !== OperationStatus.COMPLETED && r.status !== OperationStatus.FAILED)
        .map((r) => r.id);
      if (open.length === 0) break;
      if (Date.now() >= deadline) {
        for (const r of rows.filter((x) => open.includes(x.id)))
          outcomes.set(r.copyId, {
            copyId: r.copyId,
            newCopyId: null,
            action: `marked lost, repair ${r.status} (repair ${r.id}): no worker of its location finished it within the wait${r.failureReason ? `; last failure: ${r.failureReason}` : ''}`,
          });
        break;
      }
      await sleep(500);
    }
    return lost.map((l) => outcomes.get(l.copyId)!).filter(Boolean);
  }

  private rows(ids: string[]): Promise<RepairRow[]> {
    return this.dataSource.query(
      `SELECT r.id, r.lost_copy_id AS "copyId", r.status, r.new_copy_id AS "newCopyId",
              r.failure_reason AS "failureReason", s.short_name || '/' || l.name AS source
         FROM copy_repair r
         LEFT JOIN physical_copy c ON c.id = r.source_copy_id
         LEFT JOIN data_location l ON l.id = c.location_id LEFT JOIN site s ON s.id = l.site_id
        WHERE r.id = ANY($1::uuid[])`,
      [ids],
    );
  }
}
