import { Injectable, Type } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { HandlesOperation, OperationHandler } from './operation-handler';
import { OperationType } from './operation-type';

/**
 * Operations whose stage is not built yet. Each has a handler so that start-up can insist on exactly one
 * per operation; a job reaching one fails at once, for good, saying so. Each stage's module removes its
 * line here when its real processor lands.
 */
const NOT_BUILT_YET: [OperationType, string][] = [[OperationType.MONITORING, 'monitoring']];

function notBuiltYet(operation: OperationType, stage: string): Type<OperationHandler> {
  @Injectable()
  @HandlesOperation(operation)
  class NotBuiltYet implements OperationHandler {
    async handle(): Promise<never> {
      throw new UnrecoverableError(`${stage} is not built yet`);
    }
  }
  // A distinct name per operation, so that start-up errors say which one.
  Object.defineProperty(NotBuiltYet, 'name', { value: `NotBuiltYet(${operation})` });
  return NotBuiltYet;
}

const HANDLERS = new Map(
  NOT_BUILT_YET.map(([operation, stage]) => [operation, notBuiltYet(operation, stage)]),
);

export const UNBUILT_OPERATION_HANDLERS = [...HANDLERS.values()];

/** The placeholder handler class of an operation not built yet. */
export function unbuiltHandlerFor(operation: OperationType): Type<OperationHandler> {
  const handler = HANDLERS.get(operation);
  if (!handler) throw new Error(`${operation} is built; it has no placeholder`);
  return handler;
}
