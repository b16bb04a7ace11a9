import { Module } from '@nestjs/common';
import { QueueDiscoveryService } from './queue-discovery.service';
import { TaskQueueService } from './task-queue.service';

/** Queue names from the database, and putting jobs on them: what managers, the CLI and workers share. */
@Module({
  providers: [QueueDiscoveryService, TaskQueueService],
  exports: [QueueDiscoveryService, TaskQueueService],
})
export class QueuesModule {}
