import { Column, Entity, Index, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { OperationStatus } from '../../engine/work/operation-status';
import { WorkRow } from '../../engine/work/work-row';
import { DataLocation } from '../../catalog/locations/data-location.entity';
import { PhysicalCopy } from '../../catalog/physical-copies/physical-copy.entity';

export type LossReason = 'missing' | 'size' | 'checksum';

/**
 * The re-replication of one lost copy: a verified copy of the same object from elsewhere, streamed into
 * the lost copy's location and recorded as a new PRESENT copy. Done by the worker serving that location;
 * one per lost copy, so a retried check or audit never doubles it.
 */
@Entity('copy_repair')
@Unique('uq_copy_repair_lost_copy', ['lostCopyId'])
@Index('ix_copy_repair_open_work', ['status', 'updatedAt'], {
  where: `status IN ('pending', 'scheduled', 'in_progress')`,
})
export class CopyRepair extends WorkRow {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @ManyToOne(() => PhysicalCopy, { nullable: false, onDelete: 'RESTRICT' })
  lostCopy?: PhysicalCopy;

  @Column('uuid')
  lostCopyId!: string;

  /** The lost copy's location, where the bytes go back. */
  @ManyToOne(() => DataLocation, { nullable: false, onDelete: 'RESTRICT' })
  location?: DataLocation;

  @Column()
  locationId!: number;

  @Column({
    type: 'enum',
    enum: OperationStatus,
    enumName: 'operation_status',
    default: OperationStatus.PENDING,
  })
  status!: OperationStatus;

  /** `check` or `fixity`: who found the loss. */
  @Column({ type: 'text' })
  detectedBy!: string;

  /** missing, size or checksum. */
  @Column({ type: 'text' })
  lossReason!: LossReason;

  /** The copy the bytes came back from. */
  @Column('uuid', { nullable: true })
  sourceCopyId!: string | null;

  /** The PRESENT copy that replaced the lost one. */
  @Column('uuid', { nullable: true })
  newCopyId!: string | null;
}
