import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { chooseBuffer } from '../locations/buffer-selection';
import { Manager, PipelineManager } from '../managers/pipeline-manager';
import { OperationType } from '../queues/operation-type';
import { schedulePending } from '../queues/schedule-work';
import { TaskQueueService } from '../queues/task-queue.service';
import { LtaRoutingService } from '../routing/lta-routing.service';
import { StorageService } from '../storage/storage.service';
import { DataTransfer, TransferMethod } from './data-transfer.entity';
import { dataTransferStatusMachine, dataTransferUnpackStatusMachine } from './data-transfer.states';

const PER_CYCLE = 200;

/**
 * Stage 3's manager: each bundle written at a buffer leaves once, to one long-term-archive site chosen in
 * turn, into that site's first buffer with room. The transfer job goes on the destination buffer's queue:
 * the destination pulls. (Replication to the other archive sites and the http method are the next steps.)
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
  ) {}

  async runCycle(): Promise<Record<string, unknown>> {
    const transfersCreated = await this.createTransfers();
    const enqueued = await this.enqueuePending();
    const unpacksEnqueued = await this.enqueuePendingUnpacks();
    return { transfersCreated, enqueued, unpacksEnqueued };
  }

  async createTransfers(): Promise<number> {
    const ready: { id: string; origin: number; siteId: number; site: string }[] = await this.dataSource.query(
      `SELECT d.id, d.origin_location_id AS origin, l.site_id AS "siteId", s.short_name AS site
         FROM data_transfer_package d
         JOIN data_location l ON l.id = d.origin_location_id JOIN site s ON s.id = l.site_id
        WHERE d.status = 'completed'
          AND NOT EXISTS (SELECT 1 FROM data_transfer t WHERE t.data_transfer_package_id = d.id)
        ORDER BY d.updated_at LIMIT $1`,
      [PER_CYCLE],
    );
    let created = 0;
    for (const bundle of ready) {
      const sites = await this.routing.ltaSites(bundle.siteId);
      if (sites.length === 0) {
        this.logger.warn(`bundle ${bundle.id} at ${bundle.site} waits: no long-term archive site is active`);
        continue;
      }
      const site = await this.routing.nextPrimary(bundle.site, sites);
      const { buffer, skipped } = await chooseBuffer(this.dataSource.manager, site.id, (l) =>
        this.storage.backendFor(l),
      );
      if (!buffer) {
        this.logger.warn(
          `bundle ${bundle.id} waits: no buffer at ${site.shortName} takes data (${skipped.join('; ')})`,
        );
        continue;
      }
      await this.dataSource.getRepository(DataTransfer).insert({
        dataTransferPackageId: bundle.id,
        originLocationId: bundle.origin,
        destinationLocationId: buffer.id,
        method: TransferMethod.LOCAL,
      });
      created++;
    }
    return created;
  }

  /** The destination pulls: transfer jobs go on the destination buffer's queue. */
  enqueuePending(): Promise<number> {
    return schedulePending(this.dataSource, this.queues, {
      entity: DataTransfer,
      machine: dataTransferStatusMachine,
      operation: OperationType.DATA_TRANSFER,
      table: 'data_transfer',
      locationColumn: 'destination_location_id',
      limit: PER_CYCLE,
    });
  }

  /** A transferred bundle is unpacked where it landed, by the destination buffer's worker. */
  enqueuePendingUnpacks(): Promise<number> {
    return schedulePending(this.dataSource, this.queues, {
      entity: DataTransfer,
      machine: dataTransferUnpackStatusMachine,
      operation: OperationType.DATA_TRANSFER_UNPACKING,
      table: 'data_transfer',
      locationColumn: 'destination_location_id',
      statusColumn: { sql: 'unpack_status', property: 'unpackStatus' },
      retryColumn: 'unpack_retry_count',
      alsoWhere: `w.status = 'completed'`,
      limit: PER_CYCLE,
    });
  }
}
