import { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { OperationStatus } from './operation-status';
import { getProcessName } from '../logging/process-name';
import { StateMachine } from './state-machine';
import { transitionRow } from './transition-row';

type ClaimableRow = ObjectLiteral & { id: string; name?: string };

/**
 * How every worker takes a work row: scheduled -> in progress, claimed by this process, now. A re-run
 * after a crash finds it in progress and takes the claim over. A job that arrives before its scheduling
 * committed is retried; one for finished work is skipped.
 */
export async function claimWork<E extends ClaimableRow>(
  m: EntityManager,
  entity: EntityTarget<E>,
  machine: StateMachine<OperationStatus>,
  id: string,
  /** The status column of this work (a transfer has a second one, for its unpack). */
  column: keyof E & string = 'status',
): Promise<E | { skipped: string }> {
  const row = await m.findOne(entity, { where: { id } as never, lock: { mode: 'pessimistic_write' } });
  if (!row) return { skipped: `${machine.entity} ${id} no longer exists` };
  const claim = { claimedBy: getProcessName(), claimedAt: new Date() };
  const status = row[column] as OperationStatus;
  if (status === OperationStatus.IN_PROGRESS) {
    await m.update(entity, { id } as never, claim as never);
  } else if (status === OperationStatus.SCHEDULED) {
    await transitionRow(m, entity, id, column, machine, OperationStatus.IN_PROGRESS, claim as never);
  } else if (status === OperationStatus.PENDING) {
    throw new Error(`${machine.entity} ${row.name ?? row.id} is not scheduled yet`);
  } else {
    return { skipped: `${machine.entity} is ${status}` };
  }
  return Object.assign(row, claim);
}
