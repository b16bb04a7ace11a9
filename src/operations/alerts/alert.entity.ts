import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One condition operators are told about, by a stable key (`failed:transfer:<id>`, `no_worker:ccat`):
 * notified once when it starts to hold, marked resolved when it stops, notified again only if it comes
 * back after that.
 */
@Entity('alert')
@Index('ix_alert_open', ['resolvedAt'], { where: 'resolved_at IS NULL' })
export class Alert {
  @PrimaryColumn({ type: 'text' })
  key!: string;

  @Column({ type: 'text' })
  kind!: string;

  @Column({ type: 'text' })
  severity!: string;

  @Column({ type: 'text' })
  message!: string;

  @Column({ type: 'jsonb' })
  details!: Record<string, unknown>;

  @Column({ type: 'timestamptz' })
  firstSeenAt!: Date;

  @Column({ type: 'timestamptz' })
  lastSeenAt!: Date;

  /** When the webhook took it; null while it has not (it is tried again every cycle). */
  @Column({ type: 'timestamptz', nullable: true })
  notifiedAt!: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  resolvedAt!: Date | null;
}
