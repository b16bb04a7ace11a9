import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { REDIS } from '../../engine/redis/redis.module';
import { Environment } from '../../config/environment';
import { siteTakesNewArchiveCopies } from '../locations/location.queries';

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

  /** Sites with an archive that takes new copies, other than `excludeSiteId`, in a stable order. */
  async ltaSites(excludeSiteId: number): Promise<LtaSite[]> {
    return this.dataSource.query(
      `SELECT s.id, s.short_name AS "shortName" FROM site s
        WHERE s.id <> $1 AND ${siteTakesNewArchiveCopies('s.id')} ORDER BY s.short_name`,
      [excludeSiteId],
    );
  }

  async nextPrimary(sourceSite: string, sites: LtaSite[]): Promise<LtaSite> {
    if (sites.length === 0) throw new Error(`no long-term archive site to send ${sourceSite}'s data to`);
    return this.nextInTurn(`round_robin:${sourceSite}`, sites);
  }

  /**
   * The archive site that a package missing at `destinationSite` is copied from, in turn among `holders`
   * (`round_robin:replication:{destinationSite}`): a backfill reads every holding site, not one.
   */
  async nextReplicationSource<T>(destinationSite: string, holders: T[]): Promise<T> {
    if (holders.length === 0) throw new Error(`no archive site holds what ${destinationSite} is missing`);
    return this.nextInTurn(`round_robin:replication:${destinationSite}`, holders);
  }

  private async nextInTurn<T>(key: string, items: T[]): Promise<T> {
    const prefix = this.config.get('REDIS_KEY_PREFIX', { infer: true });
    const turn = await this.redis.incr(`${prefix}${key}`);
    return items[(turn - 1) % items.length];
  }
}
