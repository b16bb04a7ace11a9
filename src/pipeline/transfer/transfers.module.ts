import { Module } from '@nestjs/common';
import { PhysicalCopiesModule } from '../../catalog/physical-copies/physical-copies.module';
import { QueuesModule } from '../../engine/queues/queues.module';
import { StorageModule } from '../../engine/storage/storage.module';
import { DataTransferPackageManager } from '../bundling/data-transfer-package.manager';
import { DataTransferPackageProcessor } from '../bundling/data-transfer-package.processor';
import { DataTransferManager } from './data-transfer.manager';
import { DataTransferProcessor } from './data-transfer.processor';
import { DataTransferUnpackProcessor } from './data-transfer-unpack.processor';
import { LtaRoutingService } from '../../catalog/routing/lta-routing.service';
import { RouteService } from '../../catalog/routing/route.service';
import { HttpTransferService } from './http/http-transfer.service';
import { MemberRefetch } from './member-refetch';

/** Stages 2 to 4: bundles at a buffer, and (next) their transfer and unpacking at the destination. */
@Module({
  imports: [QueuesModule, StorageModule, PhysicalCopiesModule],
  providers: [
    LtaRoutingService,
    RouteService,
    DataTransferPackageManager,
    DataTransferPackageProcessor,
    DataTransferManager,
    DataTransferProcessor,
    DataTransferUnpackProcessor,
    MemberRefetch,
    HttpTransferService,
  ],
  exports: [
    HttpTransferService,
    DataTransferPackageManager,
    DataTransferPackageProcessor,
    DataTransferManager,
    DataTransferProcessor,
    DataTransferUnpackProcessor,
  ],
})
export class TransfersModule {}
