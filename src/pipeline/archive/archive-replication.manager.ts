import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Environment } from '../../config/environment';
import { setting } from '../../config/setting';
import { LtaRoutingService } from '../../catalog/routing/lta-routing.service';
import { Manager, PipelineManager } from '../../engine/managers/pipeline-manager';
import {
  archiveHolders,
  ArchiveHolder,
  findMissingArchiveCopies,
  MissingArchiveCopy,
  planReplications,
  replicatedBytesToday,
} from './archive-replication.queries';
import { ReplicationSwitchService } from './replication-switch.service';

const PER_CYCLE = 200;

/**
 * The reconciler of the archives: every archived package at every active archive site. The night's data
 * reaches them by the buffer path (bundles); this fills what that path cannot: an archive site added
 * after the data left the buffers, a package that missed a site, or what a retiring archive holds (its
 * copies do not count as its site's, so they are re-homed: at the site's other archive if it has one). A missing copy becomes an archive
 * transfer on the destination's queue whose origin is a verified archive copy at another site, taken in
 * turn among the sites that hold it; the destination's worker reads it through the holding site's data
 * port (no site holds another's archive credentials), checking every file and the SHA-256 as it streams,
 * and reads its own write back, as every archive write does (LongTermArchiveProcessor).
 */
@Injectable()
@PipelineManager({ kind: 'archive_replication', interval: 'ARCHIVE_REPLICATION_MANAGER_INTERVAL' })
export class ArchiveReplicationManager implements Manager {
  private readonly logger = new Logger(ArchiveReplicationManager.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly routing: LtaRoutingService,
    private readonly config: ConfigService<Environment, true>,
    private readonly replicationSwitch: ReplicationSwitchService,
  ) {}

  async runCycle(): Promise<Record<string, unknown>> {
    // A paused site gets nothing new (what is planned finishes); it is left out of the search, so that
    // its backlog does not fill the cycle's share of the others'.
    const held = await this.replicationSwitch.held();
    if (held.all) return { paused: true };
    const missing = await findMissingArchiveCopies(this.dataSource.manager, PER_CYCLE, held.siteIds);
    if (missing.length === 0) return { missing: 0, planned: 0, pausedSites: held.siteIds.length };
    const withinBudget = await this.withinDailyBudget(missing);
    const holders = await archiveHolders(
      this.dataSource.manager,
      withinBudget.map((c) => c.packageId),
    );
    const plans = [];
    let unreachable = 0;
    for (const copy of withinBudget) {
      const origin = await this.originFor(copy, holders);
      if (origin)
        plans.push({
          packageId: copy.packageId,
          originId: origin.locationId,
          destinationId: copy.destinationId,
        });
      else unreachable++;
    }
    const planned = await planReplications(this.dataSource.manager, plans);
    if (unreachable)
      this.logger.warn(
        `${unreachable} archive copies wait: no other site's archive that holds them publishes a dataUrl`,
      );
    return {
      missing: missing.length,
      planned,
      heldBack: missing.length - withinBudget.length,
      unreachable,
      pausedSites: held.siteIds.length,
    };
  }

  /**
   * The copies each destination site may still take today under REPLICATION_BYTES_PER_DAY (0: all). A site
   * that took nothing in the last day takes at least one package, so that one larger than the budget
   * still goes.
   */
  private async withinDailyBudget(missing: MissingArchiveCopy[]): Promise<MissingArchiveCopy[]> {
    const perDay = setting(this.config, 'REPLICATION_BYTES_PER_DAY');
    if (perDay === 0) return missing;
    const used = await replicatedBytesToday(this.dataSource.manager);
    return missing.filter((copy) => {
      const sofar = used.get(copy.destinationSiteId) ?? 0;
      if (sofar > 0 && sofar + copy.size > perDay) return false;
      used.set(copy.destinationSiteId, sofar + copy.size);
      return true;
    });
  }

  /**
   * Where the copy is made from. A copy at the destination's own site (a retiring archive being re-homed)
   * is read locally, with no long link crossed; otherwise a holding site in turn (round robin per
   * destination site), and there the first archive location by priority whose worker serves it to others.
   */
  private async originFor(copy: MissingArchiveCopy, holders: ArchiveHolder[]): Promise<ArchiveHolder | null> {
    const local = holders.find(
      (h) =>
        h.packageId === copy.packageId &&
        h.siteId === copy.destinationSiteId &&
        h.locationId !== copy.destinationId,
    );
    if (local) return local;
    const reachable = holders.filter(
      (h) => h.packageId === copy.packageId && h.siteId !== copy.destinationSiteId && h.dataUrl,
    );
    const sites = [...new Set(reachable.map((h) => h.siteId))];
    if (sites.length === 0) return null;
    const site = await this.routing.nextReplicationSource(copy.destinationSite, sites);
    return reachable.find((h) => h.siteId === site) ?? null;
  }
}
