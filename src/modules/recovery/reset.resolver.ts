import { Args, Context, Mutation, Resolver } from '@nestjs/graphql';
import { uuidArg } from '../../common/graphql/uuid-arg';
import type { AdminContext } from '../admin-console/admin-loaders';
import { TokenScope } from '../auth/api-token.entity';
import { actorOf } from '../auth/bearer-token.guard';
import { RequireScope } from '../auth/scopes.decorator';
import { ResetOutcomeModel, ResettableWork } from './reset-outcome.model';
import { workKind } from './work-kinds';
import { ResetOutcome, WorkResetService } from './work-reset.service';

@Resolver(() => ResetOutcomeModel)
export class ResetResolver {
  constructor(private readonly resets: WorkResetService) {}

  @Mutation(() => ResetOutcomeModel, { description: 'Puts FAILED work back to pending, to be tried again.' })
  @RequireScope(TokenScope.ADMIN)
  resetOperation(
    @Args('kind', { type: () => ResettableWork }) kind: ResettableWork,
    @Args('id', uuidArg('id')) id: string,
    @Context() ctx: AdminContext,
  ): Promise<ResetOutcome> {
    return this.resets.resetFailed(workKind(kind), id, actorOf(ctx.req));
  }
}
