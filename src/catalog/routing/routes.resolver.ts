import { Args, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import { DomainError } from '../../engine/errors/domain-error';
import { TokenScope } from '../../engine/auth/api-token.entity';
import { RequireScope } from '../../engine/auth/scopes.decorator';
import { RouteType } from './data-transfer-route.entity';
import { CreateRouteInput, RouteModel } from './route.model';
import { RouteService, RouteView } from './route.service';

@Resolver(() => RouteModel)
@RequireScope(TokenScope.READ)
export class RoutesResolver {
  constructor(private readonly routeService: RouteService) {}

  @Query(() => [RouteModel], { description: 'Every operator route (a short list: not paginated).' })
  routes(): Promise<RouteView[]> {
    return this.routeService.list();
  }

  @Mutation(() => RouteModel)
  @RequireScope(TokenScope.ADMIN)
  createRoute(@Args('input') input: CreateRouteInput): Promise<RouteView> {
    if (input.type === RouteType.RELAY && !input.via)
      throw new DomainError('VALIDATION', 'input.via: a relay route names the site it goes through', {
        field: 'input.via',
      });
    if (input.type !== RouteType.RELAY && input.via)
      throw new DomainError('VALIDATION', `input.via: only a relay route goes via a site`, {
        field: 'input.via',
      });
    switch (input.type) {
      case RouteType.RELAY:
        return this.routeService.addRelay(input.from, input.to, input.via!);
      case RouteType.DIRECT:
        return this.routeService.addDirect(input.from, input.to);
      case RouteType.CUSTOM:
        return this.routeService.addCustom(input.from, input.to);
    }
  }

  @Mutation(() => Int, { description: 'Deletes a route; answers its id.' })
  @RequireScope(TokenScope.ADMIN)
  async deleteRoute(@Args('id', { type: () => Int }) id: number): Promise<number> {
    await this.routeService.remove(id);
    return id;
  }
}
