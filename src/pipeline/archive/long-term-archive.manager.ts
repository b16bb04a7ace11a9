import { Injectable } from '@nestjs/common';
import { ARCHIVE_WORK } from './long-term-archive-transfer.work';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Manager, PipelineManager } from '../../engine/managers/pipeline-manager';
import { schedulePending } from '../../engine/queues/schedule-work';
import { TaskQueueService } from '../../engine/queues/task-queue.service';
import { CopyKind, CopyStatus } from '../../catalog/physical-copies/physical-copy.states';
import { takesNewArchiveCopies } from '../../catalog/locations/location.queries';
import { URGENT_OBS_UNITS } from '../ingest/obs-unit-priority.queries';
import { packagesOfObsUnits } from '../packaging/raw-data-package.queries';

/** Of the package copies `c`, an urgent obs unit's: planned in a pass of their own, ahead of the rest. */
const URGENT_COPIES = `c.raw_data_package_id IN ${packagesOfObsUnits(URGENT_OBS_UNITS)}`;

const PER_CYCLE = 200;

/**
 * Stage 5's manager: every package tar that arrived verified at a buffer of a site with a long-term
 * archive goes into each active archive location of that site, once. The job goes on the archive
 * location's queue, served by that site's worker.
 */
@Injectable()
@PipelineManager({ kind: 'long_term_archive', interval: 'LONG_TERM_ARCHIVE_MANAGER_INTERVAL' })
export class LongTermArchiveManager implements Manager {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly queues: TaskQueueService,
  ) {}

  async runCycle(): Promise<Record<string, unknown>> {
    const archivesCreated = await this.createArchiveTransfers();
    const enqueued = await this.enqueuePending();
    return { archivesCreated, enqueued };
  }

  /**
   * One row per (package, archive location that takes new copies) not yet planned: a retiring archive, or
   * a tape one (modelled, no backend writes it yet), gets nothing. A package on two buffers of
   * the same site is archived once, from the first buffer by priority. An urgent obs unit's packages are
   * planned first, in a pass of their own, so that the cycle's limit never leaves them behind.
   */
  async createArchiveTransfers(): Promise<number> {
    let created = 0;
    for (const only of [URGENT_COPIES, 'TRUE'])
      created +=
        (await this.createLocalArchiveTransfers(only)) + (await this.createDirectArchiveTransfers(only));
    return created;
  }

  /** `only`: a further condition on the package copies `c` (SQL). */
  private async createLocalArchiveTransfers(only: string): Promise<number> {
    const created: unknown[] = await this.dataSource.query(
      `INSERT INTO long_term_archive_transfer (raw_data_package_id, origin_location_id, destination_location_id)
       SELECT DISTINCT ON (c.raw_data_package_id, lta.id) c.raw_data_package_id, c.location_id, lta.id
         FROM physical_copy c
         JOIN data_location buffer ON buffer.id = c.location_id AND buffer.location_type = 'buffer'
         JOIN data_location lta ON lta.site_id = buffer.site_id AND ${takesNewArchiveCopies('lta')}
        WHERE c.kind = '${CopyKind.RAW_DATA_PACKAGE}' AND c.status = '${CopyStatus.PRESENT}' AND ${only}
          AND NOT EXISTS (SELECT 1 FROM long_term_archive_transfer t
                           WHERE t.raw_data_package_id = c.raw_data_package_id AND t.destination_location_id = lta.id)
        ORDER BY c.raw_data_package_id, lta.id, buffer.priority, c.created_at
        LIMIT $1
       ON CONFLICT ON CONSTRAINT uq_long_term_archive_transfer_destination DO NOTHING
       RETURNING id`,
      [PER_CYCLE],
    );
    return created.length;
  }

  /**
   * DIRECT routes: a package in a buffer of a site with a direct route to another goes into that site's
   * archives straight from where it is; that site's worker reads it over the origin's data port.
   */
  private async createDirectArchiveTransfers(only: string): Promise<number> {
    const created: unknown[] = await this.dataSource.query(
      `INSERT INTO long_term_archive_transfer (raw_data_package_id, origin_location_id, destination_location_id)
       SELECT DISTINCT ON (c.raw_data_package_id, lta.id) c.raw_data_package_id, c.location_id, lta.id
         FROM physical_copy c
         JOIN data_location buffer ON buffer.id = c.location_id AND buffer.location_type = 'buffer'
         JOIN data_transfer_route r ON r.route_type = 'direct' AND r.active AND r.from_site_id = buffer.site_id
         JOIN data_location lta ON lta.site_id = r.to_site_id AND ${takesNewArchiveCopies('lta')}
        WHERE c.kind = '${CopyKind.RAW_DATA_PACKAGE}' AND c.status = '${CopyStatus.PRESENT}' AND ${only}
          AND NOT EXISTS (SELECT 1 FROM long_term_archive_transfer t
                           WHERE t.raw_data_package_id = c.raw_data_package_id AND t.destination_location_id = lta.id)
        ORDER BY c.raw_data_package_id, lta.id, buffer.priority, c.created_at
        LIMIT $1
       ON CONFLICT ON CONSTRAINT uq_long_term_archive_transfer_destination DO NOTHING
       RETURNING id`,
      [PER_CYCLE],
    );
    return created.length;
  }

  /** The archive location's worker writes into it: jobs go on the destination's queue. */
  enqueuePending(): Promise<number> {
    return schedulePending(this.dataSource, this.queues, ARCHIVE_WORK);
  }
}
