import { Check, Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The operators' switch over all deletion (`ccat-dt deletion pause|resume`): one row. The manager schedules
 * nothing while it is paused, and a worker claiming a deletion reads it under a share lock in the claiming
 * transaction, so once a pause has committed no further deletion starts.
 */
@Entity('deletion_switch')
@Check('ck_deletion_switch_single_row', 'id = 1')
export class DeletionSwitch {
  @PrimaryColumn({ type: 'smallint', default: 1 })
  id!: number;

  @Column({ type: 'boolean', default: false })
  paused!: boolean;

  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  @Column({ type: 'text', nullable: true })
  changedBy!: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  changedAt!: Date | null;
}
