import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { DataLocation } from '../../catalog/locations/data-location.entity';
import { RawDataPackage } from '../packaging/raw-data-package.entity';
import { bigintTransformer } from '../../database/bigint.transformer';
import { OperationStatus } from '../../engine/work/operation-status';
import { WorkRow } from '../../engine/work/work-row';

/**
 * Stage 6: a request to bring archived packages back to a PROCESSING location. The staging worker there
 * copies each package from the nearest archive holding a verified copy, unpacks it, checks every file
 * against its registration and records the files STAGED. The staged files stay while the job needs them:
 * until it is released, or its retention has passed.
 */
@Entity('staging_job')
@Index('ix_staging_job_failed', ['updatedAt'], { where: `status = 'failed'` })
// Jobs whose retention will end (the staging manager releases them), not every job ever made.
@Index('ix_staging_job_retained', ['retainUntil'], {
  where: 'released_at IS NULL AND retain_until IS NOT NULL',
})
@Index('ix_staging_job_open_work', ['status', 'updatedAt'], {
  where: `status IN ('pending', 'scheduled', 'in_progress')`,
})
export class StagingJob extends WorkRow {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @ManyToOne(() => DataLocation, { nullable: false, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'destination_location_id' })
  destinationLocation?: DataLocation;

  @Column()
  destinationLocationId!: number;

  @Column({
    type: 'enum',
    enum: OperationStatus,
    enumName: 'operation_status',
    default: OperationStatus.PENDING,
  })
  status!: OperationStatus;

  /** Who asked (`token:<name>`), and what: `{ packages }`, `{ files }` or `{ obsUnit }`. */
  @Column({ type: 'text' })
  requestedBy!: string;

  @Column({ type: 'jsonb' })
  request!: Record<string, unknown>;

  @Column({ type: 'int', default: 0 })
  filesTotal!: number;

  @Column({ type: 'bigint', transformer: bigintTransformer, default: 0 })
  bytesTotal!: number;

  @Column({ type: 'int', default: 0 })
  filesDone!: number;

  @Column({ type: 'bigint', transformer: bigintTransformer, default: 0 })
  bytesDone!: number;

  @Column({ type: 'timestamptz', nullable: true })
  completedAt!: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  releasedAt!: Date | null;

  /** Released by itself after this (the staged files then go); null = until released. */
  @Column({ type: 'timestamptz', nullable: true })
  retainUntil!: Date | null;
}

/** The packages a staging job brings back, and when each was staged. */
@Entity('staging_job_package')
export class StagingJobPackage {
  @PrimaryColumn('uuid')
  stagingJobId!: string;

  @ManyToOne(() => StagingJob, { nullable: false, onDelete: 'CASCADE' })
  @JoinColumn({ name: 'staging_job_id' })
  stagingJob?: StagingJob;

  @PrimaryColumn('uuid')
  rawDataPackageId!: string;

  @ManyToOne(() => RawDataPackage, { nullable: false, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'raw_data_package_id' })
  rawDataPackage?: RawDataPackage;

  @Column({ type: 'timestamptz', nullable: true })
  stagedAt!: Date | null;
}
