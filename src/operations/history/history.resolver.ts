import { BadRequestException } from '@nestjs/common';
import { Args, Int, Query, Resolver } from '@nestjs/graphql';
import { TokenScope } from '../../engine/auth/api-token.entity';
import { RequireScope } from '../../engine/auth/scopes.decorator';
import { PipelineHistoryModel } from './pipeline-history.model';
import { HISTORY_RETENTION_DAYS, PipelineHistoryService } from './pipeline-history.service';

@Resolver(() => PipelineHistoryModel)
@RequireScope(TokenScope.READ)
export class HistoryResolver {
  constructor(private readonly histories: PipelineHistoryService) {}

  @Query(() => PipelineHistoryModel, { description: 'Files made safe and the backlog, by the hour.' })
  history(
    @Args('days', { type: () => Int, defaultValue: 7, description: `1 to ${HISTORY_RETENTION_DAYS}` })
    days: number,
  ): Promise<PipelineHistoryModel> {
    if (days < 1 || days > HISTORY_RETENTION_DAYS)
      throw new BadRequestException(
        `days must be between 1 and ${HISTORY_RETENTION_DAYS} (the hours kept), not ${days}`,
      );
    return this.histories.history(days);
  }
}
