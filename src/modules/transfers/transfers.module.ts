import { Module } from '@nestjs/common';
import { PhysicalCopiesModule } from '../physical-copies/physical-copies.module';
import { QueuesModule } from '../queues/queues.module';
import { StorageModule } from '../storage/storage.module';
import { DataTransferPackageManager } from './data-transfer-package.manager';
import { DataTransferPackageProcessor } from './data-transfer-package.processor';
import { DataTransferManager } from './data-transfer.manager';
import { DataTransferProcessor } from './data-transfer.processor';
import { DataTransferUnpackProcessor } from './data-transfer-unpack.processor';
import { LtaRoutingService } from '../routing/lta-routing.service';
import { RouteService } from '../routing/route.service';
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
