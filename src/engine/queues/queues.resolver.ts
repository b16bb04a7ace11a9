import { Query, Resolver } from '@nestjs/graphql';
import { TokenScope } from '../auth/api-token.entity';
import { RequireScope } from '../auth/scopes.decorator';
import { QueueModel } from './queue.model';
import { QueueCoverageService } from './queue-coverage';
import { TaskQueueService } from './task-queue.service';

@Resolver(() => QueueModel)
@RequireScope(TokenScope.READ)
export class QueuesResolver {
  constructor(
    private readonly coverage: QueueCoverageService,
    private readonly queues: TaskQueueService,
  ) {}

  @Query(() => [QueueModel], {
    description: "Every active location's queues with their job counts and the live workers serving them.",
  })
  async queueCounts(): Promise<QueueModel[]> {
    const descriptors = await this.coverage.coverage();
    return Promise.all(
      descriptors.map(async (q) => ({
        name: q.name,
        site: q.site,
        location: q.location,
        operation: q.operation,
        servedBy: q.servedBy,
        ...(await this.queues.counts(q.name)),
      })),
    );
  }
}
