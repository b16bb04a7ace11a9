import { Module } from '@nestjs/common';
import { ListQueuesCommand } from './list-queues.command';
import { QueueCoverageService } from './queue-coverage';
import { QueueDiscoveryService } from './queue-discovery.service';
import { QueuesResolver } from './queues.resolver';
import { TaskQueueService } from './task-queue.service';

/** Queue names from the database, and putting jobs on them: what managers, the CLI and workers share. */
@Module({
  providers: [
    QueueDiscoveryService,
    QueueCoverageService,
    TaskQueueService,
    QueuesResolver,
    ListQueuesCommand,
  ],
  exports: [QueueDiscoveryService, QueueCoverageService, TaskQueueService],
})
export class QueuesModule {}
