import { Args, Context, Mutation, Query, Resolver } from '@nestjs/graphql';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { paginate } from '../../engine/graphql/connection';
import { uuidArg } from '../../engine/graphql/uuid-arg';
import type { AdminContext } from '../../operations/admin-console/admin-loaders';
import { TokenScope } from '../../engine/auth/api-token.entity';
import { actorOf } from '../../engine/auth/bearer-token.guard';
import { RequireScope } from '../../engine/auth/scopes.decorator';
import { CreateStagingJobDto } from './dto/create-staging-job.dto';
import { StagingJob } from './staging-job.entity';
import { StagingJobConnection, StagingJobFilter, StagingJobModel } from './staging-job.model';
import { StagingJobService, StagingJobView } from './staging-job.service';

@Resolver(() => StagingJobModel)
@RequireScope(TokenScope.READ)
export class StagingJobsResolver {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly jobs: StagingJobService,
  ) {}

  @Query(() => StagingJobConnection)
  async stagingJobs(@Args() filter: StagingJobFilter): Promise<StagingJobConnection> {
    const query = this.dataSource.getRepository(StagingJob).createQueryBuilder('j');
    if (filter.status) query.andWhere('j.status = :status', filter);
    const { nodes, pageInfo } = await paginate(query, [['j.id', 'id']], filter);
    // Staging jobs are few and each view counts its packages: one query per job is fine here.
    return { nodes: await Promise.all(nodes.map((j) => this.jobs.get(j.id))), pageInfo };
  }

  @Query(() => StagingJobModel)
  stagingJob(@Args('id', uuidArg('id')) id: string): Promise<StagingJobView> {
    return this.jobs.get(id);
  }

  @Mutation(() => StagingJobModel, {
    description: 'Stage packages, files or an obs unit to a PROCESSING location.',
  })
  @RequireScope(TokenScope.ADMIN)
  requestStagingJob(
    @Args('input') input: CreateStagingJobDto,
    @Context() ctx: AdminContext,
  ): Promise<StagingJobView> {
    return this.jobs.create(input, actorOf(ctx.req));
  }

  @Mutation(() => StagingJobModel, { description: 'Its files may be deleted from the processing location.' })
  @RequireScope(TokenScope.ADMIN)
  releaseStagingJob(@Args('id', uuidArg('id')) id: string): Promise<StagingJobView> {
    return this.jobs.release(id);
  }
}
