import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The scope of the row that pauses replication into every archive site. */
export const ALL_SITES = '*';

/**
 * The operators' pause of archive-to-archive replication (`ccat-dt replication pause|resume`): one row per
 * scope, a destination site's short name or `*` for every site, with who changed it last, when and why.
 * The replication manager plans nothing new into a paused site; transfers already planned finish. A row is
 * kept when resumed (paused = false), so the last change stays on record.
 */
@Entity('replication_switch')
export class ReplicationSwitch {
  @PrimaryColumn({ type: 'text' })
  scope!: string;

  @Column({ type: 'boolean', default: false })
  paused!: boolean;

  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  @Column({ type: 'text' })
  changedBy!: string;

  @Column({ type: 'timestamptz' })
  changedAt!: Date;
}
