import { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';
import { OperationStatus } from '../../common/operation-status';
import { StateMachine } from '../../common/state-machine';
import { transitionRow } from '../../common/transition-row';
import { TaskPayload } from './queue-descriptor';
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
