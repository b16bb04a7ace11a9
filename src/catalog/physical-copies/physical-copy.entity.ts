import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  ManyToOne,
  PrimaryColumn,
  UpdateDateColumn,
} from 'typeorm';
import { bigintTransformer } from '../../database/bigint.transformer';
import { DataLocation } from '../locations/data-location.entity';
import { RawDataPackage } from '../../pipeline/packaging/raw-data-package.entity';
import { RawDataFile } from '../../pipeline/ingest/raw-data-file.entity';
import { DataTransferPackage } from '../../pipeline/bundling/data-transfer-package.entity';
import { CopyKind, CopyStatus } from './physical-copy.states';

/**
 * Where the bytes of a file or package physically are. A row is written only after its bytes are durable
 * and verified at that location; its status changes only through PhysicalCopyService, which appends a
 * `physical_copy_event` in the same transaction.
 */
@Entity('physical_copy')
@Check(
  'ck_physical_copy_one_subject',
  `num_nonnulls(raw_data_file_id, raw_data_package_id, data_transfer_package_id) = 1`,
)
@Check(
  'ck_physical_copy_kind',
  `(kind = 'raw_data_file') = (raw_data_file_id IS NOT NULL) AND (kind = 'raw_data_package') = (raw_data_package_id IS NOT NULL) AND (kind = 'data_transfer_package') = (data_transfer_package_id IS NOT NULL)`,
)
@Check('ck_physical_copy_sha256', `sha256 ~ '^[0-9a-f]{64}$'`)
// At most one live copy of a thing per location: a retried copy task cannot leave a duplicate row. A lost
// copy stays as the record of the loss beside the copy that replaced it.
@Index('uq_physical_copy_live_file', ['rawDataFileId', 'locationId'], {
  unique: true,
  where: `raw_data_file_id IS NOT NULL AND status NOT IN ('deleted', 'lost')`,
})
@Index('uq_physical_copy_live_package', ['rawDataPackageId', 'locationId'], {
  unique: true,
  where: `raw_data_package_id IS NOT NULL AND status NOT IN ('deleted', 'lost')`,
})
@Index('uq_physical_copy_live_transfer_package', ['dataTransferPackageId', 'locationId'], {
  unique: true,
  where: `data_transfer_package_id IS NOT NULL AND status NOT IN ('deleted', 'lost')`,
})
// "Where is every copy of this file/package": the unique indexes above leave deleted copies out.
@Index('ix_physical_copy_file', ['rawDataFileId'], { where: 'raw_data_file_id IS NOT NULL' })
@Index('ix_physical_copy_package', ['rawDataPackageId'], { where: 'raw_data_package_id IS NOT NULL' })
@Index('ix_physical_copy_package_created', ['createdAt'], { where: 'raw_data_package_id IS NOT NULL' })
@Index('ix_physical_copy_transfer_package', ['dataTransferPackageId'], {
  where: 'data_transfer_package_id IS NOT NULL',
})
// The deletion manager and recovery look only at copies on their way out.
@Index('ix_physical_copy_deleting', ['status', 'updatedAt'], {
  where: `status IN ('deletion_scheduled', 'deletion_in_progress', 'deletion_possible', 'deletion_failed')`,
})
@Index('ix_physical_copy_location_status', ['locationId', 'status'])
// "Which copy are these bytes?": the consistency check looks up each object it lists in storage.
@Index('ix_physical_copy_location_path', ['locationId', 'relativePath'])
// The fixity audit takes the least recently checked present copies of a location first, never checked first:
// (location_id, last_fixity_at NULLS FIRST, created_at) WHERE status = 'present', made by its migration
// (TypeORM cannot say NULLS FIRST).
@Index('ix_physical_copy_fixity_order', { synchronize: false })
// The live copies of each location with their status and size: what the status screen sums, from the
// index alone, not every copy the location ever held.
@Index('ix_physical_copy_live_location', ['locationId', 'status', 'size'], { where: `status <> 'deleted'` })
export class PhysicalCopy {
  /** Time-ordered (UUIDv7 layout, migration TimeOrderedCopyIds): new rows go where the last ones went. */
  @PrimaryColumn({ type: 'uuid', default: () => 'ccat_uuid_v7()' })
  id!: string;

  @Column({ type: 'enum', enum: CopyKind, enumName: 'copy_kind' })
  kind!: CopyKind;

  @ManyToOne(() => RawDataFile, { nullable: true, onDelete: 'RESTRICT' })
  rawDataFile?: RawDataFile;

  @Column('uuid', { nullable: true })
  rawDataFileId!: string | null;

  @ManyToOne(() => RawDataPackage, { nullable: true, onDelete: 'RESTRICT' })
  rawDataPackage?: RawDataPackage;

  @Column('uuid', { nullable: true })
  rawDataPackageId!: string | null;

  @ManyToOne(() => DataTransferPackage, { nullable: true, onDelete: 'RESTRICT' })
  dataTransferPackage?: DataTransferPackage;

  @Column('uuid', { nullable: true })
  dataTransferPackageId!: string | null;

  @ManyToOne(() => DataLocation, { nullable: false, onDelete: 'RESTRICT' })
  location?: DataLocation;

  @Column()
  locationId!: number;

  /** Path of the bytes inside the location (a key below the prefix on S3). */
  @Column({ type: 'text' })
  relativePath!: string;

  @Column({ type: 'enum', enum: CopyStatus, enumName: 'copy_status' })
  status!: CopyStatus;

  @Column({ type: 'bigint', transformer: bigintTransformer })
  size!: number;

  /** The checksum verified at this location when the copy was made (or at its last fixity check). */
  @Column({ type: 'char', length: 64 })
  sha256!: string;

  @Column({ type: 'timestamptz' })
  verifiedAt!: Date;

  /** When the fixity audit last re-hashed this copy (the checks themselves are in fixity_check); null: never. */
  @Column({ type: 'timestamptz', nullable: true })
  lastFixityAt!: Date | null;

  /**
   * When the storage itself last showed this copy's object with its recorded size and SHA-256 (a presence
   * check asked for by the deletion rules); null: never asked since the copy was made (verified_at).
   */
  @Column({ type: 'timestamptz', nullable: true })
  confirmedAt!: Date | null;

  @Column({ type: 'text', nullable: true })
  claimedBy!: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  claimedAt!: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
