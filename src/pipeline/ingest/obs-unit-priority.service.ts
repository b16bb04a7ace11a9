import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DomainError } from '../../engine/errors/domain-error';
import { reprioritizeQueued } from '../../engine/queues/reprioritize-work';
import { TaskQueueService } from '../../engine/queues/task-queue.service';
import { WORK_KINDS } from '../../operations/recovery/work-kinds';
import { ObsUnitPriority } from './obs-unit-priority';
import { recordPriorityChange } from './obs-unit-priority.queries';

export interface PriorityOutcome {
  id: string;
  obsUnit: string;
  from: ObsUnitPriority;
  to: ObsUnitPriority;
  changed: boolean;
  /** Jobs already queued for the unit's work that were moved to its new priority. */
  jobsMoved: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * An operator's change of an obs unit's priority (`ccat-dt priority set`): the unit row and its audit
 * trail in one transaction, then the jobs already queued for its work follow. Setting the priority it has
 * changes nothing but still moves the jobs, so running it again finishes what an interrupted run began.
 */
@Injectable()
export class ObsUnitPriorityService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly queues: TaskQueueService,
  ) {}

  async set(
    ref: string,
    to: ObsUnitPriority,
    actor: string,
    reason: string | null,
  ): Promise<PriorityOutcome> {
    if (!Object.values(ObsUnitPriority).includes(to))
      throw new DomainError(
        'VALIDATION',
        `priority must be one of: ${Object.values(ObsUnitPriority).join(', ')} (got ${to})`,
      );
    const unit = await this.find(ref);
    const from = await this.dataSource.transaction(async (m) => {
      const [row]: { priority: ObsUnitPriority }[] = await m.query(
        `SELECT priority FROM executed_obs_unit WHERE id = $1 FOR UPDATE`,
        [unit.id],
      );
      if (row.priority !== to) {
        await m.query(`UPDATE executed_obs_unit SET priority = $2, updated_at = now() WHERE id = $1`, [
          unit.id,
          to,
        ]);
        await recordPriorityChange(m, unit.id, { from: row.priority, to, actor, reason });
      }
      return row.priority;
    });
    // Only after the commit: a row being scheduled meanwhile then reads the new priority, or is found here.
    let jobsMoved = 0;
    for (const kind of WORK_KINDS)
      jobsMoved += await reprioritizeQueued(this.dataSource, this.queues, kind, unit.id);
    return { ...unit, from, to, changed: from !== to, jobsMoved };
  }

  /** An executed obs unit by its id, or by its name when exactly one executed unit has it. */
  private async find(ref: string): Promise<{ id: string; obsUnit: string }> {
    const rows: { id: string; obsUnit: string }[] = await this.dataSource.query(
      `SELECT id, obs_unit AS "obsUnit" FROM executed_obs_unit
        WHERE ${UUID.test(ref) ? 'id = $1::uuid' : 'obs_unit = $1'} ORDER BY started_at LIMIT 11`,
      [ref],
    );
    if (rows.length === 0) throw new DomainError('NOT_FOUND', `no executed obs unit ${ref}`);
    if (rows.length > 1)
      throw new DomainError(
        'VALIDATION',
        `obs unit ${ref} was executed ${rows.length > 10 ? 'more than 10' : rows.length} times: give the ` +
          `executed unit's id (${rows
            .slice(0, 10)
            .map((r) => r.id)
            .join(', ')})`,
      );
    return rows[0];
  }
}
