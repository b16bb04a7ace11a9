import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { REDIS } from '../../engine/redis/redis.module';
import { Environment } from '../../config/environment';

export interface LtaSite {
  id: number;
  shortName: string;
}

/**
 * Where data leaving a site goes first: the long-term-archive sites, taken in turn. The cursor lives in
 * Redis under `round_robin:{sourceSite}` (INCR, so concurrent managers never pick the same turn twice)
 * and survives restarts; if Redis loses it, the turns simply start again.
 */
@Injectable()
export class LtaRoutingService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly config: ConfigService<Environment, true>,
  ) {}

  /** Sites with an active long-term archive, other than `excludeSiteId`, in a stable order. */
  async ltaSites(excludeSiteId: number): Promise<LtaSite[]> {
    return this.dataSource.query(
      `SELECT DISTINCT s.id, s.short_name AS "shortName" FROM site s
         JOIN data_location l ON l.site_id = s.id AND l.location_type = 'long_term_archive' AND l.active
        WHERE s.id <> $1 ORDER BY s.short_name`,
      [excludeSiteId],
    );
  }

  async nextPrimary(sourceSite: string, sites: LtaSite[]): Promise<LtaSite> {
    if (sites.length === 0) throw new Error(`no long-term archive site to send ${sourceSite}'s data to`);
    const prefix = this.config.get('REDIS_KEY_PREFIX', { infer: true });
    const turn = await this.redis.incr(`${prefix}round_robin:${sourceSite}`);
    return sites[(turn - 1) % sites.length];
  }
}
