import { Module } from '@nestjs/common';
import { PhysicalCopiesModule } from '../../catalog/physical-copies/physical-copies.module';
import { QueuesModule } from '../../engine/queues/queues.module';
import { StorageModule } from '../../engine/storage/storage.module';
import { TransfersModule } from '../transfer/transfers.module';
import { RoutingModule } from '../../catalog/routing/routing.module';
import { ArchiveReplicationManager } from './archive-replication.manager';
import { LongTermArchiveManager } from './long-term-archive.manager';
import { LongTermArchiveProcessor } from './long-term-archive.processor';
import { ReplicationModule } from './replication.module';

/**
 * Stage 5: package tars and their sidecars into each archive site's long-term storage, from the buffers
 * and, for what the buffers no longer hold, from another archive site (ArchiveReplicationManager).
 */
@Module({
  imports: [
    QueuesModule,
    StorageModule,
    PhysicalCopiesModule,
    TransfersModule,
    RoutingModule,
    ReplicationModule,
  ],
  providers: [LongTermArchiveManager, ArchiveReplicationManager, LongTermArchiveProcessor],
  exports: [LongTermArchiveManager, ArchiveReplicationManager, LongTermArchiveProcessor],
})
export class LongTermArchiveModule {}
