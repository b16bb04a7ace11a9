import { Query, Resolver } from '@nestjs/graphql';
import { TokenScope } from '../auth/api-token.entity';
import { RequireScope } from '../auth/scopes.decorator';
import { QueueModel } from './queue.model';
import { QueueDiscoveryService } from './queue-discovery.service';
import { TaskQueueService } from './task-queue.service';

@Resolver(() => QueueModel)
@RequireScope(TokenScope.READ)
export class QueuesResolver {
  constructor(
    private readonly discovery: QueueDiscoveryService,
    private readonly queues: TaskQueueService,
  ) {}

  @Query(() => [QueueModel], { description: "Every active location's queues with their job counts." })
  async queueCounts(): Promise<QueueModel[]> {
    const descriptors = await this.discovery.discoverAll();
    return Promise.all(
      descriptors.map(async (q) => ({
        name: q.name,
        site: q.site,
        location: q.location,
        operation: q.operation,
        ...(await this.queues.counts(q.name)),
      })),
    );
  }
}
