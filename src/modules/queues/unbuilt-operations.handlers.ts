import { Injectable } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { HandlesOperation, OperationHandler } from './operation-handler';
import { OperationType } from './operation-type';

/**
 * Operations whose stage is not built yet. Each has a handler so that start-up can insist on exactly one
 * per operation; a job reaching one fails at once, for good, saying so. Each stage's module replaces its
 * class here with a real processor.
 */
abstract class NotBuiltYet implements OperationHandler {
  protected abstract readonly stage: string;

  async handle(): Promise<never> {
    throw new UnrecoverableError(`${this.stage} is not built yet`);
  }
}

@Injectable()
@HandlesOperation(OperationType.DATA_TRANSFER_PACKAGE_CREATION)
export class DataTransferPackageCreationNotBuilt extends NotBuiltYet {
  protected readonly stage = 'stage 2, data transfer package creation';
}

@Injectable()
@HandlesOperation(OperationType.DATA_TRANSFER)
export class DataTransferNotBuilt extends NotBuiltYet {
  protected readonly stage = 'stage 3, data transfer';
}

@Injectable()
@HandlesOperation(OperationType.DATA_TRANSFER_UNPACKING)
export class DataTransferUnpackingNotBuilt extends NotBuiltYet {
  protected readonly stage = 'stage 4, unpacking';
}

@Injectable()
@HandlesOperation(OperationType.LONG_TERM_ARCHIVE_TRANSFER)
export class LongTermArchiveTransferNotBuilt extends NotBuiltYet {
  protected readonly stage = 'stage 5, long-term archive transfer';
}

@Injectable()
@HandlesOperation(OperationType.STAGING)
export class StagingNotBuilt extends NotBuiltYet {
  protected readonly stage = 'stage 6, staging';
}

@Injectable()
@HandlesOperation(OperationType.DELETION)
export class DeletionNotBuilt extends NotBuiltYet {
  protected readonly stage = 'stage 7, deletion';
}

@Injectable()
@HandlesOperation(OperationType.MONITORING)
export class MonitoringNotBuilt extends NotBuiltYet {
  protected readonly stage = 'monitoring';
}

export const UNBUILT_OPERATION_HANDLERS = [
  DataTransferPackageCreationNotBuilt,
  DataTransferNotBuilt,
  DataTransferUnpackingNotBuilt,
  LongTermArchiveTransferNotBuilt,
  StagingNotBuilt,
  DeletionNotBuilt,
  MonitoringNotBuilt,
];
