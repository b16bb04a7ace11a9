import { Args, Context, Mutation, Query, Resolver } from '@nestjs/graphql';
import type { AdminContext } from '../../operations/admin-console/admin-loaders';
import { TokenScope } from '../../engine/auth/api-token.entity';
import { actorOf } from '../../engine/auth/bearer-token.guard';
import { RequireScope } from '../../engine/auth/scopes.decorator';
import { ReplicationProgressModel } from './replication.model';
import { ReplicationSwitchService } from './replication-switch.service';

@Resolver(() => ReplicationProgressModel)
@RequireScope(TokenScope.READ)
export class ReplicationResolver {
  constructor(private readonly switches: ReplicationSwitchService) {}

  @Query(() => ReplicationProgressModel, { description: 'The archive sites’ backfill and its pauses.' })
  replication(): Promise<ReplicationProgressModel> {
    return this.switches.progress();
  }

  @Mutation(() => ReplicationProgressModel, {
    description:
      'No new replication into the site (or every site, with none) until resumed; planned transfers finish.',
  })
  @RequireScope(TokenScope.ADMIN)
  async pauseReplication(
    @Args('site', { nullable: true, type: () => String }) site: string | null,
    @Args('reason', { nullable: true, type: () => String }) reason: string | null,
    @Context() ctx: AdminContext,
  ): Promise<ReplicationProgressModel> {
    await this.switches.pause(site ?? undefined, actorOf(ctx.req), reason ?? undefined);
    return this.switches.progress();
  }

  @Mutation(() => ReplicationProgressModel, {
    description: 'Replication into the site again; with no site, every pause is lifted.',
  })
  @RequireScope(TokenScope.ADMIN)
  async resumeReplication(
    @Args('site', { nullable: true, type: () => String }) site: string | null,
    @Context() ctx: AdminContext,
  ): Promise<ReplicationProgressModel> {
    await this.switches.resume(site ?? undefined, actorOf(ctx.req));
    return this.switches.progress();
  }
}
