import { LIVE_COPY_TOTALS_SQL } from '../../catalog/physical-copies/location-copy-totals.entity';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { getProcessName } from '../../engine/logging/process-name';
import { DataLocation } from '../../catalog/locations/data-location.entity';
import { HandlesOperation, OperationHandler } from '../../engine/queues/operation-handler';
import { OperationType } from '../../engine/queues/operation-type';
import { TaskPayload } from '../../engine/queues/queue-descriptor';
import { StorageService } from '../../engine/storage/storage.service';

export interface UsageMeasurement {
  locationId: number;
  totalBytes: number | null;
  freeBytes: number | null;
  copiesBytes: number;
  copies: number;
}

/**
 * The MONITORING operation, on each location's queue, so that the worker that sees the storage measures
 * it: the disk's size and free space (object storage has neither) and the bytes of our live copies there.
 * Recorded in `location_usage`, where the managers, alerts and status read it.
 */
@Injectable()
@HandlesOperation(OperationType.MONITORING)
export class MonitoringProcessor implements OperationHandler {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly storage: StorageService,
  ) {}

  async handle(payload: TaskPayload): Promise<UsageMeasurement> {
    const location = await this.dataSource.manager.findOneByOrFail(DataLocation, { id: payload.locationId });
    const space = await this.storage
      .backendFor(location)
      .space()
      .catch(() => null);
    const [held] = await this.dataSource.query(
      `SELECT coalesce(sum(c.copies), 0)::int AS copies, coalesce(sum(c.bytes), 0)::float8 AS bytes
         FROM (${LIVE_COPY_TOTALS_SQL}) c WHERE c.location_id = $1`,
      [location.id],
    );
    const usage: UsageMeasurement = {
      locationId: location.id,
      totalBytes: space?.totalBytes ?? null,
      freeBytes: space?.freeBytes ?? null,
      copiesBytes: held.bytes,
      copies: held.copies,
    };
    await this.dataSource.query(
      `INSERT INTO location_usage (location_id, total_bytes, free_bytes, copies_bytes, copies, measured_at, measured_by)
       VALUES ($1, $2, $3, $4, $5, now(), $6)
       ON CONFLICT (location_id) DO UPDATE SET total_bytes = $2, free_bytes = $3, copies_bytes = $4, copies = $5,
         measured_at = now(), measured_by = $6`,
      [
        usage.locationId,
        usage.totalBytes,
        usage.freeBytes,
        usage.copiesBytes,
        usage.copies,
        getProcessName(),
      ],
    );
    // The history disk_full_soon reads its fill rate from: disks only, a week of it.
    if (usage.totalBytes && usage.freeBytes !== null)
      await this.dataSource.query(
        `WITH kept AS (DELETE FROM location_usage_sample WHERE location_id = $1 AND measured_at < now() - interval '7 days')
         INSERT INTO location_usage_sample (location_id, measured_at, used_bytes, total_bytes)
         VALUES ($1, now(), $2, $3) ON CONFLICT DO NOTHING`,
        [usage.locationId, usage.totalBytes - usage.freeBytes, usage.totalBytes],
      );
    return usage;
  }
}
