import { Args, Context, Mutation, Query, Resolver } from '@nestjs/graphql';
import { DomainError } from '../../engine/errors/domain-error';
import type { AdminContext } from '../../operations/admin-console/admin-loaders';
import { TokenScope } from '../../engine/auth/api-token.entity';
import { actorOf } from '../../engine/auth/bearer-token.guard';
import { RequireScope } from '../../engine/auth/scopes.decorator';
import { DeletionSwitchModel } from './deletion-switch.model';
import { DeletionSwitchService } from './deletion-switch.service';

const MAX_REASON = 500;

@Resolver(() => DeletionSwitchModel)
@RequireScope(TokenScope.READ)
export class DeletionSwitchResolver {
  constructor(private readonly deletion: DeletionSwitchService) {}

  @Query(() => DeletionSwitchModel)
  deletionSwitch(): Promise<DeletionSwitchModel> {
    return this.deletion.view();
  }

  @Mutation(() => DeletionSwitchModel, {
    description: 'No deletion starts until resumed; running ones finish.',
  })
  @RequireScope(TokenScope.ADMIN)
  pauseDeletion(
    @Args('reason', { nullable: true, type: () => String }) reason: string | null,
    @Context() ctx: AdminContext,
  ): Promise<DeletionSwitchModel> {
    if (reason && reason.length > MAX_REASON)
      throw new DomainError('VALIDATION', `reason: at most ${MAX_REASON} characters`, { field: 'reason' });
    return this.set(true, actorOf(ctx.req), reason ?? undefined);
  }

  @Mutation(() => DeletionSwitchModel)
  @RequireScope(TokenScope.ADMIN)
  resumeDeletion(@Context() ctx: AdminContext): Promise<DeletionSwitchModel> {
    return this.set(false, actorOf(ctx.req));
  }

  private async set(paused: boolean, actor: string, reason?: string): Promise<DeletionSwitchModel> {
    await this.deletion.set(paused, actor, reason);
    return this.deletion.view();
  }
}
