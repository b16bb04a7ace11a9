import { Check, Column, Entity, Index, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { bigintTransformer } from '../../database/bigint.transformer';
import { OperationStatus } from '../../engine/work/operation-status';
import { WorkRow } from '../../engine/work/work-row';
import { DataLocation } from '../../catalog/locations/data-location.entity';
import { PhysicalCopy } from '../../catalog/physical-copies/physical-copy.entity';

export type FixityDepth = 'full' | 'presence';

/**
 * One re-hash of an archived copy by the fixity audit: planned by the fixity manager within its byte
 * budget, done by the worker serving the copy's location, and kept as the record of the check (what was
 * found, when, how long it took). The copy's `last_fixity_at` orders the next picks.
 */
@Entity('fixity_check')
@Check('ck_fixity_check_sha256_found', `sha256_found IS NULL OR sha256_found ~ '^[0-9a-f]{64}$'`)
@Index('ix_fixity_check_open_work', ['status', 'updatedAt'], {
  where: `status IN ('pending', 'scheduled', 'in_progress')`,
})
// One open check per copy: a copy still being checked is not planned again.
@Index('uq_fixity_check_open_copy', ['copyId'], {
  unique: true,
  where: `status IN ('pending', 'scheduled', 'in_progress')`,
})
@Index('ix_fixity_check_copy', ['copyId', 'checkedAt'])
// The budget: bytes planned at a location over the last day.
@Index('ix_fixity_check_location_created', ['locationId', 'createdAt'])
export class FixityCheck extends WorkRow {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @ManyToOne(() => PhysicalCopy, { nullable: false, onDelete: 'RESTRICT' })
  copy?: PhysicalCopy;

  @Column('uuid')
  copyId!: string;

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

  /** The copy's recorded size: what the check costs against the budget. */
  @Column({ type: 'bigint', transformer: bigintTransformer })
  size!: number;

  @Column({ type: 'timestamptz', nullable: true })
  checkedAt!: Date | null;

  /** Whether the bytes found were the copy's; null until checked. */
  @Column({ type: 'boolean', nullable: true })
  ok!: boolean | null;

  /** Null when the object was missing. */
  @Column({ type: 'bigint', transformer: bigintTransformer, nullable: true })
  sizeFound!: number | null;

  @Column({ type: 'char', length: 64, nullable: true })
  sha256Found!: string | null;

  @Column({ type: 'int', nullable: true })
  durationMs!: number | null;

  /**
   * `full` re-hashes the bytes (the audit, within its budget); `presence` only asks the storage for the
   * object's size and recorded SHA-256: the witness the deletion rules want before a source copy goes.
   */
  @Column({ type: 'enum', enum: ['full', 'presence'], enumName: 'fixity_depth', default: 'full' })
  depth!: FixityDepth;
}
