import { Check, Column, Entity, Index, ManyToOne, OneToMany, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { bigintTransformer } from '../../database/bigint.transformer';
import { WorkRow } from '../../engine/work/work-row';
import { DataLocation } from '../../catalog/locations/data-location.entity';
import { OperationStatus } from '../../engine/work/operation-status';
import { ExecutedObsUnit } from '../ingest/executed-obs-unit.entity';
import { InstrumentModuleEntity } from '../../catalog/observatory/instrument-module.entity';
import type { RawDataFile } from '../ingest/raw-data-file.entity';
import type { DataTransferPackage } from '../bundling/data-transfer-package.entity';
import { PackageState } from './raw-data-package.states';

/**
 * The files of one (obs unit, instrument module), or a slice of them when they exceed the size limit,
 * archived as one tar. `sequence` numbers the packages of the same pair, so late files get a new package.
 */
@Entity('raw_data_package')
@Unique('uq_raw_data_package_slice', ['executedObsUnitId', 'instrumentModuleId', 'sequence'])
@Check('ck_raw_data_package_sha256', `sha256 IS NULL OR sha256 ~ '^[0-9a-f]{64}$'`)
// Managers look for open work and for waiting packages; history (completed/archived) is never scanned.
@Index('ix_raw_data_package_open_work', ['status', 'updatedAt'], {
  where: `status IN ('pending', 'scheduled', 'in_progress')`,
})
@Index('ix_raw_data_package_waiting', ['createdAt'], { where: `state = 'waiting' AND status = 'completed'` })
// Packages not yet safe (oldest-not-safe.query.ts): the not archived ones, and the archived ones by how
// many archive sites hold them; both small beside the archived history. Failed ones for the alerts.
@Index('ix_raw_data_package_not_archived', ['createdAt'], { where: `state <> 'archived'` })
@Index('ix_raw_data_package_archived_sites', ['ltaSiteCount'], { where: `state = 'archived'` })
@Index('ix_raw_data_package_failed', ['updatedAt'], { where: `status = 'failed'` })
// Archived packages whose files may still be at SOURCE: where the deletion manager looks for source copies
// to let go, so that its cycle costs the packages being cleaned up, not the archive's history.
@Index('ix_raw_data_package_source_held', ['updatedAt'], {
  where: `state = 'archived' AND source_released_at IS NULL`,
})
@Index('ix_raw_data_package_bundle', ['dataTransferPackageId'], {
  where: 'data_transfer_package_id IS NOT NULL',
})
export class RawDataPackage extends WorkRow {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** Unique, human-readable, and the tar's file name: `<obs unit id>_<module>_<sequence>`. */
  @Column({ type: 'text', unique: true })
  name!: string;

  @Column({ type: 'text' })
  relativePath!: string;

  @ManyToOne(() => ExecutedObsUnit, { nullable: false, onDelete: 'RESTRICT' })
  executedObsUnit?: ExecutedObsUnit;

  @Column('uuid')
  executedObsUnitId!: string;

  @ManyToOne(() => InstrumentModuleEntity, { nullable: false, onDelete: 'RESTRICT' })
  instrumentModule?: InstrumentModuleEntity;

  @Column()
  instrumentModuleId!: number;

  /** Where its files are, and so which SOURCE queue packages it. */
  @ManyToOne(() => DataLocation, { nullable: false, onDelete: 'RESTRICT' })
  sourceLocation?: DataLocation;

  @Column()
  sourceLocationId!: number;

  @Column({ type: 'int' })
  sequence!: number;

  /** The transfer bundle it travels in, while it is TRANSFERRING. */
  @ManyToOne('DataTransferPackage', { nullable: true, onDelete: 'RESTRICT' })
  dataTransferPackage?: DataTransferPackage;

  @Column('uuid', { nullable: true })
  dataTransferPackageId!: string | null;

  @Column({
    type: 'enum',
    enum: OperationStatus,
    enumName: 'operation_status',
    default: OperationStatus.PENDING,
  })
  status!: OperationStatus;

  @Column({ type: 'enum', enum: PackageState, enumName: 'package_state', default: PackageState.WAITING })
  state!: PackageState;

  /** Sum of the raw files' sizes until the tar exists, then the tar's size. */
  @Column({ type: 'bigint', transformer: bigintTransformer, default: 0 })
  size!: number;

  /** SHA-256 of the tar, known once it was written and verified. */
  @Column({ type: 'char', length: 64, nullable: true })
  sha256!: string | null;

  @Column({ type: 'int', default: 0 })
  fileCount!: number;

  /**
   * How many archive sites hold a PRESENT copy with the package's SHA-256: written only by
   * physical-copies/package-safety.ts (the one definition of safe), whenever an archive copy changes.
   */
  @Column({ type: 'int', default: 0 })
  ltaSiteCount!: number;

  /**
   * When the last copy of its files at SOURCE was deleted (set by the deletion manager): from then on no
   * source copy of it is left to look at. A marker for finding work, never a reason to delete anything:
   * every deletion is still decided by the rules in deletion-rules.ts.
   */
  @Column({ type: 'timestamptz', nullable: true })
  sourceReleasedAt!: Date | null;

  /**
   * The buffer its tar is written to by packaging, at `relativePath`: recorded before the write, so that
   * a retry sent to another buffer first removes what an earlier attempt left at this one
   * (packaging-target.ts). Null until an attempt of this release chose a buffer.
   */
  @ManyToOne(() => DataLocation, { nullable: true, onDelete: 'RESTRICT' })
  packagingLocation?: DataLocation;

  @Column('int', { nullable: true })
  packagingLocationId!: number | null;

  @OneToMany('RawDataFile', 'rawDataPackage')
  files?: RawDataFile[];
}
