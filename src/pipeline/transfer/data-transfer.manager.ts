import { Injectable, Logger } from '@nestjs/common';
import {
  markBundlesDistributed,
  SEALED_BUNDLES,
  UNDISTRIBUTED_BUNDLES,
} from '../bundling/data-transfer-package.queries';
import { bundleStillRead } from './data-transfer.queries';
import { TRANSFER_WORK, UNPACK_WORK } from './data-transfer.work';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { chooseBuffer } from '../../catalog/locations/buffer-selection';
import { Manager, PipelineManager } from '../../engine/managers/pipeline-manager';
import { schedulePending } from '../../engine/queues/schedule-work';
import { TaskQueueService } from '../../engine/queues/task-queue.service';
import { LtaRoutingService, LtaSite } from '../../catalog/routing/lta-routing.service';
import { RouteService } from '../../catalog/routing/route.service';
import { DataLocation } from '../../catalog/locations/data-location.entity';
import { transferMethod } from './transfer-method';
import { StorageService } from '../../engine/storage/storage.service';
import { DataTransfer } from './data-transfer.entity';
import { directRouteJoins } from '../../catalog/routing/data-transfer-route.entity';
import { OperationStatus } from '../../engine/work/operation-status';
import { siteTakesNewArchiveCopies, takesNewArchiveCopies } from '../../catalog/locations/location.queries';
import { bundlesOfObsUnits } from '../packaging/package-bundle.queries';
import { URGENT_OBS_UNITS } from '../ingest/obs-unit-priority.queries';

/** Bundle `d` holds an urgent obs unit's packages: it leaves first (SQL, true or false). */
const urgentBundle = (d: string) => `(${d} IN ${bundlesOfObsUnits(URGENT_OBS_UNITS)}) IS TRUE`;

const PER_CYCLE = 200;

/**
 * Stage 3's manager: each bundle written at a buffer leaves once, to one long-term-archive site chosen in
 * turn, into that site's first buffer with room; from there it is replicated to every other archive site.
 * Transfer and unpack jobs go on the destination buffer's queue: the destination pulls.
 */
@Injectable()
@PipelineManager({ kind: 'data_transfer', interval: 'DATA_TRANSFER_MANAGER_INTERVAL' })
export class DataTransferManager implements Manager {
  private readonly logger = new Logger(DataTransferManager.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly queues: TaskQueueService,
    private readonly routing: LtaRoutingService,
    private readonly storage: StorageService,
    private readonly routes: RouteService,
  ) {}

  async runCycle(): Promise<Record<string, unknown>> {
    const transfersCreated = await this.createTransfers();
    const replicationsCreated = await this.createReplications();
    const enqueued = await this.enqueuePending();
    const unpacksEnqueued = await this.enqueuePendingUnpacks();
    const distributed = await this.markDistributed();
    return { transfersCreated, replicationsCreated, enqueued, unpacksEnqueued, distributed };
  }

  async createTransfers(): Promise<number> {
    const ready: { id: string; origin: number; siteId: number; site: string }[] = await this.dataSource.query(
      `SELECT d.id, d.origin_location_id AS origin, l.site_id AS "siteId", s.short_name AS site
         FROM ${SEALED_BUNDLES} d
         JOIN data_location l ON l.id = d.origin_location_id JOIN site s ON s.id = l.site_id
        WHERE NOT EXISTS (SELECT 1 FROM data_transfer t WHERE t.data_transfer_package_id = d.id)
        ORDER BY ${urgentBundle('d.id')} DESC, d.updated_at LIMIT $1`,
      [PER_CYCLE],
    );
    let created = 0;
    for (const bundle of ready) {
      // Sites that a direct route serves from this buffer need no bundle.
      const direct = await this.routes.directSites(bundle.siteId);
      const sites = (await this.routing.ltaSites(bundle.siteId)).filter((s) => !direct.includes(s.id));
      if (sites.length === 0 && direct.length) continue;
      if (sites.length === 0) {
        this.logger.warn(`bundle ${bundle.id} at ${bundle.site} waits: no long-term archive site is active`);
        continue;
      }
      const turn = await this.routing.nextPrimary(bundle.site, sites);
      // A relay route sends data bound for that site through another first; replication does the rest.
      const site = (await this.routes.relayVia(bundle.siteId, turn.id)) ?? turn;
      if (await this.sendTo(bundle.id, bundle.origin, site)) created++;
    }
    return created;
  }

  /**
   * Every other long-term-archive site gets the bundle from the first one, once that site has unpacked
   * and verified it: the long link out of the observatory carries each byte once.
   */
  async createReplications(): Promise<number> {
    const wanted: { dtp: string; origin: number; siteId: number; site: string }[] =
      await this.dataSource.query(
        `SELECT * FROM (SELECT DISTINCT ON (d.id, s.id) d.id AS dtp, t.destination_location_id AS origin, s.id AS "siteId", s.short_name AS site
         FROM ${UNDISTRIBUTED_BUNDLES} d
         JOIN data_location o ON o.id = d.origin_location_id
         JOIN data_transfer t ON t.data_transfer_package_id = d.id AND t.origin_location_id = d.origin_location_id
                             AND t.unpack_status = '${OperationStatus.COMPLETED}'
         JOIN data_location first ON first.id = t.destination_location_id
         JOIN site s ON s.id <> o.site_id AND s.id <> first.site_id
        -- Not while the first site's copy of the bundle is being healed: it is what the others read.
        WHERE NOT EXISTS (SELECT 1 FROM copy_repair r JOIN physical_copy c ON c.id = r.lost_copy_id
                           WHERE c.data_transfer_package_id = d.id AND r.location_id = t.destination_location_id
                             AND r.status IN ('${OperationStatus.PENDING}', '${OperationStatus.SCHEDULED}', '${OperationStatus.IN_PROGRESS}'))
          AND ${siteTakesNewArchiveCopies('s.id')}
          AND NOT EXISTS (SELECT 1 FROM data_transfer x JOIN data_location xl ON xl.id = x.destination_location_id
                           WHERE x.data_transfer_package_id = d.id AND xl.site_id = s.id)
          AND NOT ${directRouteJoins('o.site_id', 's.id')}
        ORDER BY d.id, s.id, t.created_at) wanted
        -- An urgent obs unit's bundles first, so that the cycle's limit never leaves one behind.
        ORDER BY ${urgentBundle('wanted.dtp')} DESC
        LIMIT $1`,
        [PER_CYCLE],
      );
    let created = 0;
    for (const r of wanted) {
      if (await this.sendTo(r.dtp, r.origin, { id: r.siteId, shortName: r.site })) created++;
    }
    return created;
  }

  /**
   * A bundle is distributed once every active long-term-archive site (but its own) holds it unpacked and
   * verified, and no transfer of it is still open: from then on nothing reads it, and its buffer copies
   * may be deleted.
   */
  async markDistributed(): Promise<number> {
    const marked = await markBundlesDistributed(
      this.dataSource.manager,
      `EXISTS (SELECT 1 FROM data_location a WHERE ${takesNewArchiveCopies('a')} AND a.site_id <> o.site_id)
       AND NOT ${bundleStillRead('d.id')}
       AND NOT EXISTS (
             SELECT 1 FROM data_location lta
              WHERE ${takesNewArchiveCopies('lta')} AND lta.site_id <> o.site_id
                AND NOT ${directRouteJoins('o.site_id', 'lta.site_id')}
                AND NOT EXISTS (SELECT 1 FROM data_transfer t JOIN data_location tl ON tl.id = t.destination_location_id
                                 WHERE t.data_transfer_package_id = d.id AND tl.site_id = lta.site_id))`,
    );
    return marked.length;
  }

  /**
   * A transfer of the bundle from `origin` into the location a custom route names, else the first buffer
   * with room at `site`; false if none has room.
   */
  private async sendTo(dtpId: string, origin: number, site: LtaSite): Promise<boolean> {
    const custom = await this.routes.customDestination(this.dataSource.manager, origin, site.id);
    const { buffer, skipped } = custom
      ? { buffer: custom, skipped: [] }
      : await chooseBuffer(this.dataSource.manager, site.id, (l) => this.storage.backendFor(l));
    if (!buffer) {
      this.logger.warn(
        `bundle ${dtpId} waits: no buffer at ${site.shortName} takes data (${skipped.join('; ')})`,
      );
      return false;
    }
    const from = await this.dataSource.manager.findOneByOrFail(DataLocation, { id: origin });
    await this.dataSource
      .createQueryBuilder()
      .insert()
      .into(DataTransfer)
      .values({
        dataTransferPackageId: dtpId,
        originLocationId: origin,
        destinationLocationId: buffer.id,
        method: transferMethod(from, buffer),
      })
      .orIgnore()
      .execute();
    return true;
  }

  /** The destination pulls: transfer jobs go on the destination buffer's queue. */
  enqueuePending(): Promise<number> {
    return schedulePending(this.dataSource, this.queues, TRANSFER_WORK);
  }

  /** A transferred bundle is unpacked where it landed, by the destination buffer's worker. */
  enqueuePendingUnpacks(): Promise<number> {
    return schedulePending(this.dataSource, this.queues, UNPACK_WORK);
  }
}
