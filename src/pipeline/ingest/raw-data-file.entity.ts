import { Check, Column, CreateDateColumn, Entity, Index, ManyToOne, PrimaryColumn, Unique } from 'typeorm';
import { bigintTransformer } from '../../database/bigint.transformer';
import { DataLocation } from '../../catalog/locations/data-location.entity';
import { ExecutedObsUnit } from './executed-obs-unit.entity';
import { InstrumentModuleEntity } from '../../catalog/observatory/instrument-module.entity';
import type { RawDataPackage } from '../packaging/raw-data-package.entity';

/**
 * A file an instrument wrote. Registration records what the bytes must be (size, SHA-256); every later
 * copy is verified against these two values.
 */
@Entity('raw_data_file')
@Unique('uq_raw_data_file_source_path', ['sourceLocationId', 'relativePath'])
@Check('ck_raw_data_file_sha256', `sha256 ~ '^[0-9a-f]{64}$'`)
@Check('ck_raw_data_file_size', `size >= 0`)
// The packaging manager's work: files of an obs unit not yet in any package (a withdrawn file never is).
@Index('ix_raw_data_file_unpackaged', ['executedObsUnitId', 'createdAt'], {
  where: 'raw_data_package_id IS NULL AND withdrawn_at IS NULL',
})
// A package's files, oldest first: also its oldest file, and how many are older than a time, without
// reading them (oldest-not-safe.query.ts).
@Index('ix_raw_data_file_package', ['rawDataPackageId', 'createdAt'], {
  where: 'raw_data_package_id IS NOT NULL',
})
// The files of one obs unit (explain's last file of a unit still observing), not a scan of every file.
@Index('ix_raw_data_file_unit', ['executedObsUnitId', 'createdAt'])
export class RawDataFile {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  relativePath!: string;

  @Column({ type: 'bigint', transformer: bigintTransformer })
  size!: number;

  @Column({ type: 'char', length: 64 })
  sha256!: string;

  @ManyToOne(() => ExecutedObsUnit, { nullable: false, onDelete: 'RESTRICT' })
  executedObsUnit?: ExecutedObsUnit;

  @Column('uuid')
  executedObsUnitId!: string;

  @ManyToOne(() => InstrumentModuleEntity, { nullable: false, onDelete: 'RESTRICT' })
  instrumentModule?: InstrumentModuleEntity;

  @Column()
  instrumentModuleId!: number;

  @ManyToOne(() => DataLocation, { nullable: false, onDelete: 'RESTRICT' })
  sourceLocation?: DataLocation;

  @Column()
  sourceLocationId!: number;

  @ManyToOne('RawDataPackage', 'files', { nullable: true, onDelete: 'RESTRICT' })
  rawDataPackage?: RawDataPackage;

  @Column('uuid', { nullable: true })
  rawDataPackageId!: string | null;

  /** When the instrument wrote the file, if it says; registration time is `createdAt`. */
  @Column({ type: 'timestamptz', nullable: true })
  fileCreatedAt!: Date | null;

  @Column({ type: 'text', nullable: true })
  fileType!: string | null;

  @Column({ type: 'jsonb', nullable: true })
  metadata!: Record<string, unknown> | null;

  /**
   * Taken out of the pipeline by an operator (`ccat-dt file withdraw`): in no package, never packed,
   * counted or deleted by the pipeline; its bytes stay where they are.
   */
  @Column({ type: 'timestamptz', nullable: true })
  withdrawnAt!: Date | null;

  @Column({ type: 'text', nullable: true })
  withdrawnReason!: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
