import { Injectable, OnModuleInit } from '@nestjs/common';
import { TransientTaskError } from '../work/task-error';
import { DiscoveryService, Reflector } from '@nestjs/core';
import { OPERATION_HANDLER, OperationHandler } from './operation-handler';
import { OperationType } from './operation-type';

/**
 * Finds the @HandlesOperation providers at start-up and refuses to start if an operation has no handler
 * or two: a queue whose jobs nobody can run would otherwise fill silently.
 */
@Injectable()
export class OperationHandlerRegistry implements OnModuleInit {
  private readonly handlers = new Map<OperationType, OperationHandler>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
  ) {}

  onModuleInit(): void {
    const found = new Map<OperationType, string[]>();
    for (const wrapper of this.discovery.getProviders()) {
      const { instance, metatype } = wrapper;
      if (!instance || !metatype) continue;
      const operation = this.reflector.get<OperationType | undefined>(OPERATION_HANDLER, metatype);
      if (!operation) continue;
      if (!Object.values(OperationType).includes(operation)) {
        throw new Error(`${metatype.name} handles unknown operation ${operation}`);
      }
      found.set(operation, [...(found.get(operation) ?? []), metatype.name]);
      this.handlers.set(operation, instance as OperationHandler);
    }
    const problems = Object.values(OperationType).flatMap((op) => {
      const names = found.get(op) ?? [];
      if (names.length === 0) return [`${op} has no handler`];
      if (names.length > 1) return [`${op} has ${names.length} handlers: ${names.join(', ')}`];
      return [];
    });
    if (problems.length > 0)
      throw new Error(`Operation handlers are not one per operation: ${problems.join('; ')}`);
  }

  get(operation: OperationType): OperationHandler {
    const handler = this.handlers.get(operation);
    if (!handler) throw new TransientTaskError('NO_HANDLER', `no handler for ${operation}`);
    return handler;
  }
}
