import { Module } from '@nestjs/common';
import { PhysicalCopiesModule } from '../../catalog/physical-copies/physical-copies.module';
import { QueuesModule } from '../../engine/queues/queues.module';
import { StorageModule } from '../../engine/storage/storage.module';
import { DeletionManager } from './deletion.manager';
import { DeletionProcessor } from './deletion.processor';
import { DeletionSwitchModule } from './deletion-switch.module';

/** Stage 7: freeing space once data is provably safe elsewhere. */
@Module({
  imports: [QueuesModule, StorageModule, PhysicalCopiesModule, DeletionSwitchModule],
  providers: [DeletionManager, DeletionProcessor],
  exports: [DeletionManager, DeletionProcessor],
})
export class DeletionModule {}
