import { Check, Column, Entity, Index, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { bigintTransformer } from '../../database/bigint.transformer';
import { OperationStatus } from '../../engine/work/operation-status';
import { WorkRow } from '../../engine/work/work-row';
import { DataLocation } from '../../catalog/locations/data-location.entity';
import { RawDataPackage } from '../packaging/raw-data-package.entity';

/**
 * One package tar's way from a buffer into the long-term archive of the same site, with its JSON sidecar
 * beside it. The package is ARCHIVED at the first of these that completes; there is one per package and
 * archive location, so a retry can never write a second archive copy.
 */
@Entity('long_term_archive_transfer')
@Unique('uq_long_term_archive_transfer_destination', ['rawDataPackageId', 'destinationLocationId'])
@Check(
  'ck_long_term_archive_transfer_sidecar_sha256',
  `sidecar_sha256 IS NULL OR sidecar_sha256 ~ '^[0-9a-f]{64}$'`,
)
// What replication brought to each site in the last hour (its progress and ETA) reads recent completions.
@Index('ix_long_term_archive_transfer_completed', ['updatedAt'], { where: `status = 'completed'` })
@Index('ix_long_term_archive_transfer_failed', ['updatedAt'], { where: `status = 'failed'` })
@Index('ix_long_term_archive_transfer_open_work', ['status', 'updatedAt'], {
  where: `status IN ('pending', 'scheduled', 'in_progress')`,
})
export class LongTermArchiveTransfer extends WorkRow {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @ManyToOne(() => RawDataPackage, { nullable: false, onDelete: 'RESTRICT' })
  rawDataPackage?: RawDataPackage;

  @Column('uuid')
  rawDataPackageId!: string;

  /** The buffer holding the verified package tar (unpacked there from a transfer bundle). */
  @ManyToOne(() => DataLocation, { nullable: false, onDelete: 'RESTRICT' })
  originLocation?: DataLocation;

  @Column()
  originLocationId!: number;

  /** The long-term-archive location, at the same site as the origin. */
  @ManyToOne(() => DataLocation, { nullable: false, onDelete: 'RESTRICT' })
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

  @Column({ type: 'bigint', transformer: bigintTransformer, default: 0 })
  bytesTransferred!: number;

  /** The sidecar written beside the package tar, as read back from the archive. */
  @Column({ type: 'int', nullable: true })
  sidecarSize!: number | null;

  @Column({ type: 'char', length: 64, nullable: true })
  sidecarSha256!: string | null;
}
