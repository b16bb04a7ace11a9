import { DataSource, ObjectLiteral } from 'typeorm';
import { OperationStatus } from '../work/operation-status';
import { transitionRow } from '../work/transition-row';
import { WorkKind } from '../work/work-kind';
import { TaskPayload } from './queue-descriptor';
import { queueName } from './queue-name';
import { TaskQueueService } from './task-queue.service';

/** Whether a row `w` of this kind serves an urgent obs unit, as a SELECT item (null: work tied to none). */
export function urgencyOf(kind: Pick<WorkKind, 'urgency'>): string {
  return kind.urgency ? `(${kind.urgency.urgentWhen}) IS TRUE` : 'NULL::boolean';
}

/**
 * How every manager hands a pending work row to its queue, in one transaction: lock the row, enqueue,
 * mark it scheduled, commit. A worker that takes the job at once waits on the row lock and then sees
 * `scheduled`. If the commit fails after the enqueue, the row stays pending and the worker retries the
 * job until the next cycle marks it (same job id, so the enqueue is not doubled). Marking before
 * enqueueing could instead lose the job.
 * The job's priority is read under the row lock: an obs unit's priority changed meanwhile is either seen
 * here, or this row is found scheduled by the change once this commits (reprioritize-work.ts).
 */
export async function scheduleWork<E extends ObjectLiteral>(
  dataSource: DataSource,
  queues: TaskQueueService,
  kind: WorkKind<E>,
  queueName: string,
  payload: TaskPayload,
): Promise<boolean> {
  return dataSource.transaction(async (m) => {
    const [row]: { status: OperationStatus; urgent: boolean | null }[] = await m.query(
      `SELECT w.${kind.statusColumn.sql} AS status, ${urgencyOf(kind)} AS urgent
         FROM ${kind.table} w WHERE w.id = $1 FOR UPDATE OF w`,
      [payload.entityId],
    );
    if (row?.status !== OperationStatus.PENDING) return false;
    await queues.enqueue(queueName, payload, { urgent: row.urgent ?? undefined });
    await transitionRow(
      m,
      kind.entity,
      payload.entityId,
      kind.statusColumn.property,
      kind.machine,
      OperationStatus.SCHEDULED,
    );
    return true;
  });
}

/**
 * Finds rows of one kind of work still pending (served by each table's partial index on open work) and
 * schedules each on the queue of its location: an urgent obs unit's first, then oldest first, so that a
 * cycle's limit never leaves urgent work behind a backlog. What every manager's cycle ends with.
 */
export async function schedulePending<E extends ObjectLiteral>(
  dataSource: DataSource,
  queues: TaskQueueService,
  kind: WorkKind<E>,
  /** A narrower selection than the kind's own (the deletion's presence checks), and a smaller limit. */
  narrower: { alsoWhere?: string; limit?: number } = {},
): Promise<number> {
  const where = [kind.readyWhere, narrower.alsoWhere]
    .filter(Boolean)
    .map((c) => `AND ${c}`)
    .join(' ');
  const pending: { id: string; retryCount: number; locationId: number; site: string; location: string }[] =
    await dataSource.query(
      `SELECT w.id, w.${kind.retryColumn.sql} AS "retryCount", l.id AS "locationId",
              s.short_name AS site, l.name AS location
         FROM ${kind.table} w
         JOIN data_location l ON l.id = w.${kind.locationColumn}
         JOIN site s ON s.id = l.site_id
        WHERE w.${kind.statusColumn.sql} = '${OperationStatus.PENDING}' ${where}
        ORDER BY ${kind.urgency ? `${urgencyOf(kind)} DESC, ` : ''}w.updated_at
        LIMIT $1`,
      [narrower.limit ?? kind.perCycle],
    );
  for (const p of pending) {
    await scheduleWork(dataSource, queues, kind, queueName(p.site, p.location, kind.operation), {
      operation: kind.operation,
      entityId: p.id,
      locationId: p.locationId,
      attempt: p.retryCount,
    });
  }
  return pending.length;
}
