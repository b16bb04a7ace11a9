import { Module } from '@nestjs/common';
import { PhysicalCopiesModule } from '../../catalog/physical-copies/physical-copies.module';
import { QueuesModule } from '../../engine/queues/queues.module';
import { StorageModule } from '../../engine/storage/storage.module';
import { TransfersModule } from '../transfer/transfers.module';
import { LongTermArchiveManager } from './long-term-archive.manager';
import { LongTermArchiveProcessor } from './long-term-archive.processor';

/** Stage 5: package tars and their sidecars into each archive site's long-term storage. */
@Module({
  imports: [QueuesModule, StorageModule, PhysicalCopiesModule, TransfersModule],
  providers: [LongTermArchiveManager, LongTermArchiveProcessor],
  exports: [LongTermArchiveManager, LongTermArchiveProcessor],
})
export class LongTermArchiveModule {}
