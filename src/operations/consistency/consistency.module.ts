import { Module } from '@nestjs/common';
import { PhysicalCopiesModule } from '../../catalog/physical-copies/physical-copies.module';
import { QueuesModule } from '../../engine/queues/queues.module';
import { StorageModule } from '../../engine/storage/storage.module';
import { CheckCommand } from './check.command';
import { ConsistencyCheckService } from './consistency-check.service';
import { CopyRepairManager } from './copy-repair.manager';
import { CopyRepairProcessor } from './copy-repair.processor';
import { CopyRepairService } from './copy-repair.service';
import { FixityManager } from './fixity.manager';
import { FixityProcessor } from './fixity.processor';

/**
 * Keeping storage and database in agreement: the repair of lost copies and the fixity audit (managers and
 * processors, in the worker).
 */
@Module({
  imports: [QueuesModule, StorageModule, PhysicalCopiesModule],
  providers: [CopyRepairManager, CopyRepairProcessor, FixityManager, FixityProcessor],
  exports: [CopyRepairManager, FixityManager],
})
export class ConsistencyModule {}

/** What the CLI adds: `ccat-dt check`, which compares every location with the database and marks lost copies. */
@Module({
  imports: [StorageModule],
  providers: [ConsistencyCheckService, CopyRepairService, CheckCommand],
})
export class ConsistencyCheckModule {}
