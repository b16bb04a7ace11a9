import { Check, Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** What became of a manager cycle (manager_cycle.outcome): running until it finishes, or skipped for the lock. */
export enum CycleOutcome {
  RUNNING = 'running',
  COMPLETED = 'completed',
  FAILED = 'failed',
  SKIPPED = 'skipped',
}

/**
 * One attempt of a manager cycle: which process ran it, when, and what it did, or that it skipped because
 * another process held the manager's lock. Pruned after a week.
 */
@Entity('manager_cycle')
@Index('ix_manager_cycle_kind_started', ['kind', 'startedAt'])
@Check('ck_manager_cycle_outcome', `outcome IN ('running', 'completed', 'failed', 'skipped')`)
export class ManagerCycle {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column({ type: 'text' })
  kind!: string;

  @Column({ type: 'text' })
  process!: string;

  @Column({ type: 'text' })
  outcome!: CycleOutcome;

  @Column({ type: 'timestamptz', default: () => 'clock_timestamp()' })
  startedAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;

  /** What the cycle did, in its own words (e.g. `{ packagesCreated: 3, enqueued: 3 }`). */
  @Column({ type: 'jsonb', nullable: true })
  summary!: Record<string, unknown> | null;

  @Column({ type: 'text', nullable: true })
  error!: string | null;
}
