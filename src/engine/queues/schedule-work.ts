import { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';
import { OperationStatus } from '../work/operation-status';
import { StateMachine } from '../work/state-machine';
import { transitionRow } from '../work/transition-row';
import { WorkKind } from '../work/work-kind';
import { TaskPayload } from './queue-descriptor';
import { queueName } from './queue-name';
import { TaskQueueService } from './task-queue.service';

/**
 * How every manager hands a pending work row to its queue, in one transaction: lock the row, enqueue,
 * mark it scheduled, commit. A worker that takes the job at once waits on the row lock and then sees
 * `scheduled`. If the commit fails after the enqueue, the row stays pending and the worker retries the
 * job until the next cycle marks it (same job id, so the enqueue is not doubled). Marking before
 * enqueueing could instead lose the job.
 */
export async function scheduleWork<E extends ObjectLiteral>(
  dataSource: DataSource,
  queues: TaskQueueService,
  entity: EntityTarget<E>,
  machine: StateMachine<OperationStatus>,
  queueName: string,
  payload: TaskPayload,
  /** The status column of this work (a transfer has a second one, for its unpack). */
  column: keyof E & string = 'status',
): Promise<boolean> {
  return dataSource.transaction(async (m) => {
    const row = await m.findOne(entity, {
      where: { id: payload.entityId } as never,
      lock: { mode: 'pessimistic_write' },
    });
    if (row?.[column] !== OperationStatus.PENDING) return false;
    await queues.enqueue(queueName, payload);
    await transitionRow(m, entity, payload.entityId, column, machine, OperationStatus.SCHEDULED);
    return true;
  });
}

/**
 * Finds rows of one kind of work still pending (served by each table's partial index on open work) and
 * schedules each on the queue of its location, oldest first. What every manager's cycle ends with.
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
        ORDER BY w.updated_at
        LIMIT $1`,
      [narrower.limit ?? kind.perCycle],
    );
  for (const p of pending) {
    await scheduleWork(
      dataSource,
      queues,
      kind.entity,
      kind.machine,
      queueName(p.site, p.location, kind.operation),
      { operation: kind.operation, entityId: p.id, locationId: p.locationId, attempt: p.retryCount },
      kind.statusColumn.property,
    );
  }
  return pending.length;
}
