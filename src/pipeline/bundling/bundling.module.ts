import { Module } from '@nestjs/common';
import { PhysicalCopiesModule } from '../../catalog/physical-copies/physical-copies.module';
import { QueuesModule } from '../../engine/queues/queues.module';
import { StorageModule } from '../../engine/storage/storage.module';
import { DataTransferPackageManager } from './data-transfer-package.manager';
import { DataTransferPackageProcessor } from './data-transfer-package.processor';

/** Stage 2: the packages waiting at a buffer, gathered into bundles (the DataTransferPackage tables). */
@Module({
  imports: [QueuesModule, StorageModule, PhysicalCopiesModule],
  providers: [DataTransferPackageManager, DataTransferPackageProcessor],
  exports: [DataTransferPackageManager, DataTransferPackageProcessor],
})
export class BundlingModule {}
