import { Module } from '@nestjs/common';
import { PhysicalCopiesModule } from '../../catalog/physical-copies/physical-copies.module';
import { QueuesModule } from '../../engine/queues/queues.module';
import { StorageModule } from '../../engine/storage/storage.module';
import { DeletionManager } from './deletion.manager';
import { DeletionProcessor } from './deletion.processor';
import { DeletionSwitchService } from './deletion-switch.service';

/** Stage 7: freeing space once data is provably safe elsewhere. */
@Module({
  imports: [QueuesModule, StorageModule, PhysicalCopiesModule],
  providers: [DeletionManager, DeletionProcessor, DeletionSwitchService],
  exports: [DeletionManager, DeletionProcessor, DeletionSwitchService],
})
export class DeletionModule {}
