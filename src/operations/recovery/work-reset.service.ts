import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DomainError } from '../../engine/errors/domain-error';
import { OperationStatus } from '../../engine/work/operation-status';
import { transitionRow } from '../../engine/work/transition-row';
import { OPERATION_SETTINGS } from '../../engine/queues/operation-settings';
import { WorkKind } from './work-kinds';

export interface ResetOutcome {
  kind: string;
  id: string;
  from: OperationStatus;
  to: OperationStatus;
  retry: number;
  reason: string;
}

/**
 * Puts work back to pending, where its manager schedules it again: an operator's reset of a failure, or
 * recovery's reset of work whose job was lost. The retry count goes up (so the new job has its own id,
 * and the count of tries is kept); recovery gives up with FAILED once the operation's attempts are spent.
 */
@Injectable()
export class WorkResetService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** An operator's reset: only failed work, whatever its retries; the reason names who asked. */
  resetFailed(kind: WorkKind, id: string, actor: string): Promise<ResetOutcome> {
    return this.dataSource.transaction(async (m) => {
      const [row] = await m.query(
        `SELECT ${kind.statusColumn.sql} AS status, ${kind.retryColumn.sql} AS retry, failure_reason AS "failureReason"
           FROM ${kind.table} WHERE id = $1 FOR UPDATE`,
        [id],
      );
      if (!row) throw new DomainError('NOT_FOUND', `no ${kind.name} ${id}`);
      if (row.status !== OperationStatus.FAILED)
        throw new DomainError(
          'CONFLICT',
          `${kind.name} ${id} is ${row.status}: only failed work can be reset`,
        );
      const reason = `reset by ${actor} after: ${row.failureReason ?? 'no reason recorded'}`;
      await transitionRow(
        m,
        kind.entity,
        id,
        kind.statusColumn.property,
        kind.machine,
        OperationStatus.PENDING,
        {
          [kind.retryColumn.property]: row.retry + 1,
          failureReason: reason.slice(0, 2000),
          claimedBy: null,
          claimedAt: null,
        },
      );
      return {
        kind: kind.name,
        id,
        from: row.status,
        to: OperationStatus.PENDING,
        retry: row.retry + 1,
        reason,
      };
    });
  }

  /** Recovery's reset of work stuck in `expected` (checked again under the row lock). */
  resetStuck(
    kind: WorkKind,
    id: string,
    expected: OperationStatus,
    why: string,
  ): Promise<ResetOutcome | null> {
    return this.dataSource.transaction(async (m) => {
      const [row] = await m.query(
        `SELECT ${kind.statusColumn.sql} AS status, ${kind.retryColumn.sql} AS retry FROM ${kind.table} WHERE id = $1 FOR UPDATE`,
        [id],
      );
      if (row?.status !== expected) return null;
      const attempts = OPERATION_SETTINGS[kind.operation].attempts;
      const givingUp = row.retry + 1 >= attempts;
      const to = givingUp ? OperationStatus.FAILED : OperationStatus.PENDING;
      const reason = givingUp
        ? `stuck ${expected} and ${why}; gave up after ${row.retry + 1} of ${attempts} tries`
        : `reset by recovery: ${why}`;
      await transitionRow(m, kind.entity, id, kind.statusColumn.property, kind.machine, to, {
        ...(givingUp ? {} : { [kind.retryColumn.property]: row.retry + 1 }),
        failureReason: reason.slice(0, 2000),
        claimedBy: null,
        claimedAt: null,
      });
      return { kind: kind.name, id, from: expected, to, retry: row.retry + (givingUp ? 0 : 1), reason };
    });
  }
}
