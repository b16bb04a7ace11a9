import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  ManyToOne,
  PrimaryGeneratedColumn,
  Unique,
  UpdateDateColumn,
} from 'typeorm';
import { Site } from '../sites/site.entity';
import { ArchiveRole, LocationMode, LocationType, StorageType } from './location-type';

/**
 * One storage place at a site. Settings per storage type live in nullable columns rather than a table per
 * type: the set is small and fixed, and one row is what queue discovery and routing read.
 * S3 credentials are never stored, only the names of the environment variables that hold them.
 */
@Entity('data_location')
@Unique('uq_data_location_site_name', ['siteId', 'name'])
@Check('ck_data_location_disk_root', `storage_type <> 'disk' OR root_path IS NOT NULL`)
@Check('ck_data_location_s3_bucket', `storage_type <> 's3' OR s3_bucket IS NOT NULL`)
@Check(
  'ck_data_location_emptying_retiring',
  `emptying_requested_at IS NULL OR (retiring AND location_type = 'long_term_archive')`,
)
@Check(
  'ck_data_location_threshold',
  `disk_usage_threshold_percent IS NULL OR (disk_usage_threshold_percent > 0 AND disk_usage_threshold_percent <= 100)`,
)
export class DataLocation {
  @PrimaryGeneratedColumn()
  id!: number;

  @ManyToOne(() => Site, (s) => s.locations, { nullable: false, onDelete: 'RESTRICT' })
  site?: Site;

  @Column()
  siteId!: number;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'enum', enum: LocationType, enumName: 'location_type' })
  locationType!: LocationType;

  @Column({ type: 'enum', enum: StorageType, enumName: 'storage_type' })
  storageType!: StorageType;

  /** Lower number = used first among active locations of the same type at a site. */
  @Column({ type: 'int', default: 1 })
  priority!: number;

  /** False: offline (LocationMode): its queues are unbound. */
  @Column({ type: 'boolean', default: true })
  active!: boolean;

  /** Active but taking no new work (LocationMode.DRAINING): what is on it still moves on. */
  @Column({ type: 'boolean', default: false })
  draining!: boolean;

  /** For a long-term archive: a mirror holds its own copy, failovers share one per site (ArchiveRole). */
  @Column({ type: 'enum', enum: ArchiveRole, enumName: 'archive_role', default: ArchiveRole.MIRROR })
  archiveRole!: ArchiveRole;

  /**
   * An archive being retired: it takes no new copies, the archive reconciler re-homes what it holds, and
   * only then may `ccat-dt location empty` remove its objects (src/operations/retirement).
   */
  @Column({ type: 'boolean', default: false })
  retiring!: boolean;

  /** Set by `ccat-dt location empty --confirm`: from then on its copies that are safe elsewhere go. */
  @Column({ type: 'timestamptz', nullable: true })
  emptyingRequestedAt!: Date | null;

  @Column({ type: 'text', nullable: true })
  emptyingRequestedBy!: string | null;

  @Column({ type: 'text', nullable: true })
  rootPath!: string | null;

  /**
   * Where the worker serving this (buffer) location publishes it read-only, e.g.
   * `http://ccat-worker:8081/data/ccat/buffer`; other sites pull from here over the long link.
   */
  @Column({ type: 'text', nullable: true })
  dataUrl!: string | null;

  @Column({ type: 'text', nullable: true })
  s3Endpoint!: string | null;

  @Column({ type: 'text', nullable: true })
  s3Bucket!: string | null;

  @Column({ type: 'text', nullable: true })
  s3Prefix!: string | null;

  @Column({ type: 'text', nullable: true })
  s3Region!: string | null;

  @Column({ type: 'text', nullable: true })
  s3AccessKeyEnv!: string | null;

  @Column({ type: 'text', nullable: true })
  s3SecretKeyEnv!: string | null;

  /** An `http://` S3 endpoint is used only where this says so (credentials and bytes go in clear). */
  @Column({ type: 'boolean', default: false })
  s3AllowInsecureHttp!: boolean;

  /** Above this usage the location takes no new data and eligible copies are deleted first. */
  @Column({ type: 'real', nullable: true })
  diskUsageThresholdPercent!: number | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}

/** The mode a location row is in. */
export function modeOf(l: Pick<DataLocation, 'active' | 'draining'>): LocationMode {
  return !l.active ? LocationMode.OFFLINE : l.draining ? LocationMode.DRAINING : LocationMode.ACTIVE;
}
