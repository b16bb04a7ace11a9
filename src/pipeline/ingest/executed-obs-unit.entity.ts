import { Column, CreateDateColumn, Entity, Index, ManyToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { Instrument } from '../../catalog/observatory/instrument.entity';

/** One executed observation. The id is made by the instrument, which may be offline from us when it starts. */
@Entity('executed_obs_unit')
@Index('ix_executed_obs_unit_open', ['startedAt'], { where: 'finished_at IS NULL' })
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

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
