import { setting } from '../../config/setting';
import { Injectable } from '@nestjs/common';
import { FIXITY_WORK } from './consistency.work';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Environment } from '../../config/environment';
import { Manager, PipelineManager } from '../../engine/managers/pipeline-manager';
import { schedulePending } from '../../engine/queues/schedule-work';
import { TaskQueueService } from '../../engine/queues/task-queue.service';
import { CopyStatus } from '../../catalog/physical-copies/physical-copy.states';
import { OperationStatus } from '../../engine/work/operation-status';

const DAY_MS = 86_400_000;
/**
 * Candidates read per location and cycle: first a few (a cycle's share of the budget is usually one or two
 * package tars), more only while all of those fit, up to the most a cycle ever looks at.
 */
const FIRST_CANDIDATES = 16;
const MAX_CANDIDATES = 1024;

export interface FixityBudget {
  /** This cycle's share of the daily budget. */
  perCycle: number;
  /** What the last 24 hours left of the daily budget. */
  leftToday: number;
}

/**
 * Which copies, in order (least recently checked first), fit the budget: as many as fit this cycle's
 * share; a copy larger than a whole cycle's share is taken alone when it is first in line and the day's
 * budget still holds it (else it would never be checked), so the daily budget is never exceeded.
 */
export function pickWithinBudget<T extends { size: number }>(candidates: T[], budget: FixityBudget): T[] {
  const limit = Math.min(budget.perCycle, budget.leftToday);
  const picked: T[] = [];
  let sum = 0;
  for (const c of candidates) {
    if (sum + c.size <= limit) {
      picked.push(c);
      sum += c.size;
    } else {
      if (picked.length === 0 && c.size > budget.perCycle && c.size <= budget.leftToday) picked.push(c);
      break;
    }
  }
  return picked;
}

/**
 * The fixity audit's planner: at every long-term-archive location (FIXITY_BYTES_PER_DAY), buffer
 * (FIXITY_BUFFER_BYTES_PER_DAY: a tar that rots while it waits is found before it ships) and source
 * (FIXITY_SOURCE_BYTES_PER_DAY), the PRESENT copies least recently
 * re-hashed (never-checked first) within the day's budget pro-rated to this cycle, each as a
 * fixity_check row on the location's queue, re-hashed by the worker serving it. Never touches data.
 * FIXITY_AUDIT=off stops the planning.
 */
@Injectable()
@PipelineManager({ kind: 'fixity', interval: 'FIXITY_MANAGER_INTERVAL' })
export class FixityManager implements Manager {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly queues: TaskQueueService,
    private readonly config: ConfigService<Environment, true>,
  ) {}

  async runCycle(): Promise<Record<string, unknown>> {
    let planned = 0;
    let plannedBytes = 0;
    if (this.config.get('FIXITY_AUDIT', { infer: true }) !== 'off') {
      const interval = this.config.get('FIXITY_MANAGER_INTERVAL', { infer: true });
      const perDayOf = {
        long_term_archive: this.config.get('FIXITY_BYTES_PER_DAY', { infer: true }),
        buffer: setting(this.config, 'FIXITY_BUFFER_BYTES_PER_DAY'),
        source: setting(this.config, 'FIXITY_SOURCE_BYTES_PER_DAY'),
      };
      const locations: { id: number; type: keyof typeof perDayOf }[] = await this.dataSource.query(
        `SELECT id, location_type AS type FROM data_location
          WHERE location_type IN ('long_term_archive', 'buffer', 'source') AND storage_type <> 'tape' ORDER BY id`,
      );
      for (const { id, type } of locations) {
        const perDay = perDayOf[type];
        if (!perDay) continue;
        const bytes = await this.planLocation(id, perDay, Math.floor((perDay * interval) / DAY_MS));
        planned += bytes.count;
        plannedBytes += bytes.size;
      }
    }
    const enqueued = await schedulePending(this.dataSource, this.queues, FIXITY_WORK);
    return { planned, plannedBytes, enqueued };
  }

  private async planLocation(
    locationId: number,
    perDay: number,
    perCycle: number,
  ): Promise<{ count: number; size: number }> {
    return this.dataSource.transaction(async (tx) => {
      // One planner per location at a time, even if two managers processes ran this cycle at once.
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('fixity'), $1)`, [locationId]);
      const [{ spent }] = await tx.query(
        `SELECT coalesce(sum(size), 0)::float8 AS spent FROM fixity_check
          WHERE location_id = $1 AND depth = 'full' AND created_at > now() - interval '1 day'`,
        [locationId],
      );
      const budget = { perCycle, leftToday: perDay - spent };
      let picked: { id: string; size: number }[] = [];
      for (let limit = FIRST_CANDIDATES; limit <= MAX_CANDIDATES; limit *= 4) {
        const candidates: { id: string; size: number }[] = await tx.query(
          `SELECT c.id, c.size::float8 AS size FROM physical_copy c
            WHERE c.location_id = $1 AND c.status = '${CopyStatus.PRESENT}'
              AND NOT EXISTS (SELECT 1 FROM fixity_check f WHERE f.copy_id = c.id
                                AND f.status IN ('${OperationStatus.PENDING}', '${OperationStatus.SCHEDULED}', '${OperationStatus.IN_PROGRESS}'))
            ORDER BY c.last_fixity_at ASC NULLS FIRST, c.created_at
            LIMIT $2`,
          [locationId, limit],
        );
        picked = pickWithinBudget(candidates, budget);
        // The budget stopped inside what was read, or there is no more to read.
        if (picked.length < candidates.length || candidates.length < limit) break;
      }
      if (picked.length === 0) return { count: 0, size: 0 };
      await tx.query(
        `INSERT INTO fixity_check (copy_id, location_id, size)
         SELECT unnest($1::uuid[]), $2, unnest($3::bigint[])
         ON CONFLICT DO NOTHING`,
        [picked.map((p) => p.id), locationId, picked.map((p) => p.size)],
      );
      return { count: picked.length, size: picked.reduce((s, p) => s + p.size, 0) };
    });
  }
}
