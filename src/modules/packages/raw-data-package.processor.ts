import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { OperationStatus } from '../../common/operation-status';
import { getProcessName } from '../../common/process-name';
import { transitionRow } from '../../common/transition-row';
import { HandlesOperation, OperationHandler } from '../queues/operation-handler';
import { OperationType } from '../queues/operation-type';
import { TaskPayload } from '../queues/queue-descriptor';
import { RawDataPackage } from './raw-data-package.entity';
import { rawDataPackageStatusMachine } from './raw-data-package.states';

/**
 * Stage 1's worker side, on the SOURCE queue. So far it claims the package (in progress, claimed by this
 * process, when) and stops there: writing the tar into the buffer is the storage stage's work, and nothing
 * is marked done before its bytes are verified.
 */
@Injectable()
@HandlesOperation(OperationType.RAW_DATA_PACKAGE_CREATION)
export class RawDataPackageProcessor implements OperationHandler {
  private readonly logger = new Logger(RawDataPackageProcessor.name);

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async handle(payload: TaskPayload): Promise<{ claimedBy: string } | { skipped: string }> {
    return this.dataSource.transaction(async (m) => {
      const row = await m.findOne(RawDataPackage, {
        where: { id: payload.entityId },
        lock: { mode: 'pessimistic_write' },
      });
      if (!row) return { skipped: 'package no longer exists' };
      const claim = { claimedBy: getProcessName(), claimedAt: new Date() };
      if (row.status === OperationStatus.IN_PROGRESS) {
        // A re-run after a crash: this process takes the claim over.
        await m.update(RawDataPackage, { id: row.id }, claim);
      } else if (row.status === OperationStatus.SCHEDULED) {
        await transitionRow(
          m,
          RawDataPackage,
          row.id,
          'status',
          rawDataPackageStatusMachine,
          OperationStatus.IN_PROGRESS,
          claim,
        );
      } else if (row.status === OperationStatus.PENDING) {
        // Enqueued, but the manager's commit that marks it scheduled has not landed (or was lost): retry.
        throw new Error(`raw data package ${row.name} is not scheduled yet`);
      } else {
        return { skipped: `package is ${row.status}` };
      }
      this.logger.log(`claimed raw data package ${row.name} (${row.fileCount} files, ${row.size} bytes)`);
      return { claimedBy: claim.claimedBy };
    });
  }
}
