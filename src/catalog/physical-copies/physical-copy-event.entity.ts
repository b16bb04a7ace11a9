import { Column, Entity, Index, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { CopyStatus } from './physical-copy.states';
import { PhysicalCopy } from './physical-copy.entity';

/**
 * The audit trail: one row per status change of a copy, including its creation (`fromStatus` null).
 * Answers "who deleted what, when" and "why is this file not safe yet". Rows are only ever appended.
 */
@Entity('physical_copy_event')
@Index('ix_physical_copy_event_copy', ['physicalCopyId', 'at'])
export class PhysicalCopyEvent {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @ManyToOne(() => PhysicalCopy, { nullable: false, onDelete: 'RESTRICT' })
  physicalCopy?: PhysicalCopy;

  @Column('uuid')
  physicalCopyId!: string;

  @Column({ type: 'enum', enum: CopyStatus, enumName: 'copy_status', nullable: true })
  fromStatus!: CopyStatus | null;

  @Column({ type: 'enum', enum: CopyStatus, enumName: 'copy_status' })
  toStatus!: CopyStatus;

  /** The process (`worker-ccat-host-42`) or API token (`token:instrument-primecam`) that made the change. */
  @Column({ type: 'text' })
  actor!: string;

  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  at!: Date;
}
