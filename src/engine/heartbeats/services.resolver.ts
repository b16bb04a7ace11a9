import { Query, Resolver } from '@nestjs/graphql';
import { TokenScope } from '../auth/api-token.entity';
import { RequireScope } from '../auth/scopes.decorator';
import { StatusService } from '../../operations/status/status.service';
import { ServiceModel } from './service.model';

@Resolver(() => ServiceModel)
@RequireScope(TokenScope.READ)
export class ServicesResolver {
  constructor(private readonly status: StatusService) {}

  @Query(() => [ServiceModel], { description: 'Live api, worker and manager processes.' })
  async services(): Promise<ServiceModel[]> {
    return (await this.status.services()).map((s) => ({
      ...s,
      release: s.release ?? 'before 0.2.0',
      protocol: s.protocol ?? null,
      startedAt: new Date(s.startedAt),
      beatAt: new Date(s.beatAt),
    }));
  }
}
