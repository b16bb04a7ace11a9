import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintTransformer } from '../../database/bigint.transformer';
import { CopyStatus } from './physical-copy.states';

/**
 * The live copies at each location by status, and their bytes, kept by statement triggers on
 * physical_copy (migration LocationCopyTotals): what the status screen, the overview and the monitoring
 * read, a few rows per location instead of every live copy (which grows with the archive). DELETED
 * copies are not kept. Spread over a few rows per (location, status) by backend, so that concurrent
 * writers do not queue on one row lock; the totals are the sums. Never written by the application.
 */
@Entity('location_copy_totals')
export class LocationCopyTotals {
  @PrimaryColumn({ type: 'int', name: 'location_id' })
  locationId!: number;

  @PrimaryColumn({ type: 'enum', enum: CopyStatus, enumName: 'copy_status' })
  status!: CopyStatus;

  @PrimaryColumn({ type: 'smallint' })
  shard!: number;

  @Column({ type: 'bigint', transformer: bigintTransformer })
  copies!: number;

  @Column({ type: 'bigint', transformer: bigintTransformer })
  bytes!: number;
}

/**
 * The live (not DELETED) copies of each location by status, with their bytes: one row per location and
 * status (columns location_id, status, copies, bytes), as an SQL subquery to join. The one answer to "what
 * does a location hold", read by the status screen and the monitoring.
 */
export const LIVE_COPY_TOTALS_SQL = `SELECT location_id, status, sum(copies) AS copies, sum(bytes) AS bytes
   FROM location_copy_totals GROUP BY location_id, status HAVING sum(copies) <> 0`;
