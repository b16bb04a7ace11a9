import { Inject } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Query, Resolver } from '@nestjs/graphql';
import Redis from 'ioredis';
import { REDIS } from '../../common/redis/redis.module';
import { Environment } from '../../config/environment';
import { TokenScope } from '../auth/api-token.entity';
import { RequireScope } from '../auth/scopes.decorator';
import { readHeartbeats } from './heartbeat';
import { ServiceModel } from './service.model';

@Resolver(() => ServiceModel)
@RequireScope(TokenScope.READ)
export class ServicesResolver {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly config: ConfigService<Environment, true>,
  ) {}

  @Query(() => [ServiceModel], { description: 'Live api, worker and manager processes.' })
  async services(): Promise<ServiceModel[]> {
    const prefix = this.config.get('REDIS_KEY_PREFIX', { infer: true }) ?? '';
    return (await readHeartbeats(this.redis, prefix)).map(({ beat, ttlMs }) => ({
      ...beat,
      serves: beat.serves ?? [],
      startedAt: new Date(beat.startedAt),
      beatAt: new Date(beat.beatAt),
      ttlMs,
    }));
  }
}
