import { Module } from '@nestjs/common';
import { PhysicalCopiesModule } from '../../catalog/physical-copies/physical-copies.module';
import { RoutingModule } from '../../catalog/routing/routing.module';
import { QueuesModule } from '../../engine/queues/queues.module';
import { StorageModule } from '../../engine/storage/storage.module';
import { DataTransferManager } from './data-transfer.manager';
import { DataTransferProcessor } from './data-transfer.processor';
import { DataTransferUnpackProcessor } from './data-transfer-unpack.processor';
import { HttpTransferService } from './http/http-transfer.service';
import { MemberRefetch } from './member-refetch';
import { PullSetupCheck } from './http/pull-setup';
import { TransfersResolver } from './transfers.resolver';

/** Stages 3 and 4: a bundle's transfer to another site (direct or over http) and its unpacking there. */
@Module({
  imports: [QueuesModule, StorageModule, PhysicalCopiesModule, RoutingModule],
  providers: [
    DataTransferManager,
    DataTransferProcessor,
    DataTransferUnpackProcessor,
    MemberRefetch,
    HttpTransferService,
    PullSetupCheck,
  ],
  exports: [
    HttpTransferService,
    PullSetupCheck,
    DataTransferManager,
    DataTransferProcessor,
    DataTransferUnpackProcessor,
  ],
})
export class TransfersModule {}

/**
 * What the api adds: the transfers in the console. Apart from TransfersModule, so that the api does not make
 * the worker's processors (HttpTransferService reads the TRANSFER_TLS_CA file when made).
 */
@Module({ providers: [TransfersResolver] })
export class TransfersApiModule {}
