import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Environment } from '../../config/environment';
import { setting } from '../../config/setting';
import { DomainError } from '../../engine/errors/domain-error';
import { activeArchiveSites, replicationBacklog } from './archive-replication.queries';
import { ALL_SITES } from './replication-switch.entity';
import { ReplicationPause, ReplicationProgress, replicationProgress } from './replication-progress';
import { retiringArchives } from './retirement/retirement.queries';
import { minSafeSites } from '../../catalog/physical-copies/package-safety';

export const MAX_REASON = 500;

/**
 * The pause of archive-to-archive replication, per destination site or for all, and the backlog it
 * paces: read by the replication manager, status, the overview and the console; set by the CLI and the
 * console. Each change records who made it, when and why.
 */
@Injectable()
export class ReplicationSwitchService {
  private readonly logger = new Logger(ReplicationSwitchService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: ConfigService<Environment, true>,
  ) {}

  /** The pauses in force, the one of every site first. */
  async pauses(m: EntityManager = this.dataSource.manager): Promise<ReplicationPause[]> {
    const rows: { scope: string; since: Date; by: string; reason: string | null }[] = await m.query(
      `SELECT scope, changed_at AS since, changed_by AS by, reason FROM replication_switch
        WHERE paused ORDER BY scope <> $1, scope`,
      [ALL_SITES],
    );
    return rows.map(({ scope, ...p }) => ({ site: scope === ALL_SITES ? null : scope, ...p }));
  }

  /** What the manager may not plan into: every site, or the ids of the paused ones. */
  async held(): Promise<{ all: boolean; siteIds: number[] }> {
    const pauses = await this.pauses();
    // The idle cycle's usual answer, without a look at the sites.
    if (pauses.length === 0) return { all: false, siteIds: [] };
    if (pauses.some((p) => p.site === null)) return { all: true, siteIds: [] };
    const sites = await activeArchiveSites(this.dataSource.manager);
    const siteIds = pauses.flatMap((p) => {
      const id = p.site === null ? undefined : sites.get(p.site);
      return id === undefined ? [] : [id];
    });
    return { all: false, siteIds };
  }

  /** Pauses replication into `site` (a short name), or into every site; already planned transfers finish. */
  async pause(site: string | undefined, actor: string, reason?: string): Promise<void> {
    if (reason && reason.length > MAX_REASON)
      throw new DomainError('VALIDATION', `reason: at most ${MAX_REASON} characters`, { field: 'reason' });
    await this.set(await this.scopeOf(site), true, actor, reason ?? null);
  }

  /**
   * Resumes replication into `site`, or, with no site, lifts every pause (each site's too). A site's own
   * resume leaves a pause of every site in force: the caller says so.
   */
  async resume(site: string | undefined, actor: string): Promise<void> {
    const scope = await this.scopeOf(site);
    if (scope !== ALL_SITES) return this.set(scope, false, actor, null);
    await this.dataSource.query(
      `UPDATE replication_switch SET paused = false, reason = NULL, changed_by = $1, changed_at = now()
        WHERE paused`,
      [actor],
    );
    this.logger.log(`replication resumed into every archive site by ${actor}`);
  }

  /** The backlog per site with the pauses and the expected time to go. */
  async progress(): Promise<ReplicationProgress> {
    const backlog = await replicationBacklog(this.dataSource.manager);
    return replicationProgress(
      backlog,
      await this.pauses(),
      setting(this.config, 'REPLICATION_BYTES_PER_DAY'),
      await retiringArchives(this.dataSource.manager, minSafeSites(this.config)),
    );
  }

  private async set(scope: string, paused: boolean, actor: string, reason: string | null): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO replication_switch (scope, paused, reason, changed_by, changed_at) VALUES ($1, $2, $3, $4, now())
       ON CONFLICT (scope) DO UPDATE SET paused = $2, reason = $3, changed_by = $4, changed_at = now()`,
      [scope, paused, reason, actor],
    );
    const into = scope === ALL_SITES ? 'every archive site' : scope;
    this.logger.log(
      `replication ${paused ? 'paused' : 'resumed'} into ${into} by ${actor}${reason ? `: ${reason}` : ''}`,
    );
  }

  /** The row's scope for `site`: `*` for none. */
  private async scopeOf(site: string | undefined): Promise<string> {
    if (site === undefined) return ALL_SITES;
    await this.checkSite(site);
    return site;
  }

  /** Refuses a site that is unknown or has no active archive location replication writes to. */
  async checkSite(site: string): Promise<void> {
    const sites = await activeArchiveSites(this.dataSource.manager);
    if (!sites.has(site))
      throw new DomainError(
        'NOT_FOUND',
        `no archive site "${site}": replication writes into ${[...sites.keys()].join(', ') || 'no site'}`,
        { field: 'site' },
      );
  }
}
