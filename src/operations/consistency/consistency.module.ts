import { Module } from '@nestjs/common';
import { PhysicalCopiesModule } from '../../catalog/physical-copies/physical-copies.module';
import { QueuesModule } from '../../engine/queues/queues.module';
import { StorageModule } from '../../engine/storage/storage.module';
import { CopyRepairManager } from './copy-repair.manager';
import { CopyRepairProcessor } from './copy-repair.processor';
import { FixityManager } from './fixity.manager';
import { FixityProcessor } from './fixity.processor';

/**
 * Keeping storage and database in agreement: the repair of lost copies and the fixity audit (managers and
 * processors, in the worker). `ccat-dt check` is in the CLI (ConsistencyCheckService, CheckCommand).
 */
@Module({
  imports: [QueuesModule, StorageModule, PhysicalCopiesModule],
  providers: [CopyRepairManager, CopyRepairProcessor, FixityManager, FixityProcessor],
  exports: [CopyRepairManager, FixityManager],
})
export class ConsistencyModule {}
