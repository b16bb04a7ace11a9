import { Column, CreateDateColumn, UpdateDateColumn } from 'typeorm';

/**
 * The columns every unit of work shares (packages, bundles, transfers): how often it was retried, why it
 * last failed, and which process claimed it when, so recovery can tell a dead claim from a slow one.
 */
export abstract class WorkRow {
  @Column({ type: 'int', default: 0 })
  retryCount!: number;

  @Column({ type: 'text', nullable: true })
  failureReason!: string | null;

  /** The process that took the work (e.g. `worker-ccat-host1-4242`) and when. */
  @Column({ type: 'text', nullable: true })
  claimedBy!: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  claimedAt!: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
