import { SetMetadata } from '@nestjs/common';
import type { Job } from 'bullmq';
import { OperationType } from './operation-type';
import { QueueDescriptor, TaskPayload } from './queue-descriptor';

export const OPERATION_HANDLER = 'ccat:operation-handler';

/** Marks the provider that does one operation's work. Exactly one per operation, checked at start-up. */
export const HandlesOperation = (operation: OperationType) => SetMetadata(OPERATION_HANDLER, operation);

export interface OperationHandler {
  /**
   * Does the work of one job. Throwing a retryable error lets BullMQ retry it with backoff; throwing
   * `UnrecoverableError` fails it for good. Must be idempotent: a job may run again after a crash.
   */
  handle(
    payload: TaskPayload,
    context: { job: Job<TaskPayload>; queue: QueueDescriptor; signal: AbortSignal },
  ): Promise<unknown>;
}
