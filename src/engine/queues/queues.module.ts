import { Module } from '@nestjs/common';
import { ListQueuesCommand } from './list-queues.command';
import { QueueDiscoveryService } from './queue-discovery.service';
import { QueuesResolver } from './queues.resolver';
import { TaskQueueService } from './task-queue.service';

/** Queue names from the database, and putting jobs on them: what managers, the CLI and workers share. */
@Module({
  providers: [QueueDiscoveryService, TaskQueueService, QueuesResolver, ListQueuesCommand],
  exports: [QueueDiscoveryService, TaskQueueService],
})
export class QueuesModule {}
