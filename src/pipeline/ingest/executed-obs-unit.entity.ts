import { Column, CreateDateColumn, Entity, Index, ManyToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { Instrument } from '../../catalog/observatory/instrument.entity';
import { ObsUnitPriority } from './obs-unit-priority';

/** One executed observation. The id is made by the instrument, which may be offline from us when it starts. */
@Entity('executed_obs_unit')
@Index('ix_executed_obs_unit_open', ['startedAt'], { where: 'finished_at IS NULL' })
// The urgent units, few at any time: what every manager's cycle compares its work with (URGENT_OBS_UNITS).
@Index('ix_executed_obs_unit_urgent', ['id'], { where: `priority = 'high'` })
export class ExecutedObsUnit {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  obsUnit!: string;

  @ManyToOne(() => Instrument, { nullable: false, onDelete: 'RESTRICT' })
  instrument?: Instrument;

  @Column()
  instrumentId!: number;

  @Column({ type: 'timestamptz' })
  startedAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;

  /** How the instrument says the observation ended (e.g. success, aborted); free text, optional. */
  @Column({ type: 'text', nullable: true })
  outcome!: string | null;

  @Column({ type: 'jsonb', nullable: true })
  metadata!: Record<string, unknown> | null;

  /** `high` sends its data ahead of the backlog (obs-unit-priority.ts); changes are audited. */
  @Column({
    type: 'enum',
    enum: ObsUnitPriority,
    enumName: 'obs_unit_priority',
    default: ObsUnitPriority.NORMAL,
  })
  priority!: ObsUnitPriority;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
