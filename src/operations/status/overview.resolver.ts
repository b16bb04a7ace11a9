import { Query, Resolver } from '@nestjs/graphql';
import { TokenScope } from '../../engine/auth/api-token.entity';
import { RequireScope } from '../../engine/auth/scopes.decorator';
import { PipelineOverviewModel } from './pipeline-overview.model';
import { PipelineOverviewService } from './pipeline-overview.service';

@Resolver(() => PipelineOverviewModel)
@RequireScope(TokenScope.READ)
export class OverviewResolver {
  constructor(private readonly overviews: PipelineOverviewService) {}

  @Query(() => PipelineOverviewModel)
  overview(): Promise<PipelineOverviewModel> {
    return this.overviews.overview();
  }
}
