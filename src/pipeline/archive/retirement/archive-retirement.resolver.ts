import { Args, Context, Mutation, Query, Resolver } from '@nestjs/graphql';
import type { AdminContext } from '../../../operations/admin-console/admin-loaders';
import { TokenScope } from '../../../engine/auth/api-token.entity';
import { actorOf } from '../../../engine/auth/bearer-token.guard';
import { RequireScope } from '../../../engine/auth/scopes.decorator';
import { RetirementPlanModel } from './archive-retirement.model';
import { ArchiveRetirementService } from './archive-retirement.service';

const LOCATION = { name: 'location', type: () => String, description: '`site/location`, e.g. cologne/lta' };

@Resolver(() => RetirementPlanModel)
@RequireScope(TokenScope.READ)
export class ArchiveRetirementResolver {
  constructor(private readonly retirement: ArchiveRetirementService) {}

  @Query(() => RetirementPlanModel, {
    description: 'What still depends on an archive location (changes nothing).',
  })
  retirementPlan(@Args(LOCATION) location: string): Promise<RetirementPlanModel> {
    return this.retirement.plan(location);
  }

  @Mutation(() => RetirementPlanModel, {
    description: 'Retire an archive location: no new copies; the reconciler re-homes what it holds.',
  })
  @RequireScope(TokenScope.ADMIN)
  retireLocation(@Args(LOCATION) location: string): Promise<RetirementPlanModel> {
    return this.retirement.retire(location);
  }

  @Mutation(() => RetirementPlanModel, {
    description:
      'Remove a retired archive’s objects, each once safe without it; refused while anything depends on it.',
  })
  @RequireScope(TokenScope.ADMIN)
  emptyLocation(
    @Args(LOCATION) location: string,
    @Context() ctx: AdminContext,
  ): Promise<RetirementPlanModel> {
    return this.retirement.empty(location, actorOf(ctx.req));
  }
}
