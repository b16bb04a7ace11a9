import { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { DomainError } from '../errors/domain-error';
import { StateMachine } from './state-machine';

export interface RowTransition<S extends string> {
  from: S;
  to: S;
}

/**
 * The one way a status column changes: lock the row, ask the entity's state machine, update. Runs inside
 * the caller's transaction, so an illegal transition throws before anything is written and the caller's
 * other writes (an audit event, a claim) commit or roll back with it.
 */
export async function transitionRow<E extends ObjectLiteral, S extends string>(
  manager: EntityManager,
  entity: EntityTarget<E>,
  id: string | number,
  column: keyof E & string,
  machine: StateMachine<S>,
  to: S,
  alsoSet: Partial<E> = {},
): Promise<RowTransition<S>> {
  if (!manager.queryRunner?.isTransactionActive) {
    throw new Error('transitionRow must run inside a transaction');
  }
  const row = await manager.findOne(entity, {
    where: { id } as never,
    lock: { mode: 'pessimistic_write' },
  });
  if (!row) throw new DomainError('NOT_FOUND', `${machine.entity} ${id} does not exist`);
  const from = row[column] as S;
  machine.assertTransition(from, to);
  await manager.update(entity, { id } as never, { ...alsoSet, [column]: to } as never);
  return { from, to };
}
