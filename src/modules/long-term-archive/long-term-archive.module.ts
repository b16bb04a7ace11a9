import { Module } from '@nestjs/common';
import { PhysicalCopiesModule } from '../physical-copies/physical-copies.module';
import { QueuesModule } from '../queues/queues.module';
import { StorageModule } from '../storage/storage.module';
import { TransfersModule } from '../transfers/transfers.module';
import { LongTermArchiveManager } from './long-term-archive.manager';
import { LongTermArchiveProcessor } from './long-term-archive.processor';

/** Stage 5: package tars and their sidecars into each archive site's long-term storage. */
@Module({
  imports: [QueuesModule, StorageModule, PhysicalCopiesModule, TransfersModule],
  providers: [LongTermArchiveManager, LongTermArchiveProcessor],
  exports: [LongTermArchiveManager, LongTermArchiveProcessor],
})
export class LongTermArchiveModule {}
