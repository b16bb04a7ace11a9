import { Check, Column, Entity, Index, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { bigintTransformer } from '../../database/bigint.transformer';
import { WorkRow } from '../../engine/work/work-row';
import { OperationStatus } from '../../engine/work/operation-status';
import { DataLocation } from '../../catalog/locations/data-location.entity';

/**
 * A temporary bundle of waiting raw data packages at a buffer: one tar of package tars, so that the long
 * link carries a few large objects instead of many small ones. Deleted once every transfer reading it has
 * been unpacked and verified at its destination.
 */
@Entity('data_transfer_package')
@Check('ck_data_transfer_package_sha256', `sha256 IS NULL OR sha256 ~ '^[0-9a-f]{64}$'`)
@Index('ix_data_transfer_package_open_work', ['status', 'updatedAt'], {
  where: `status IN ('pending', 'scheduled', 'in_progress')`,
})
// Bundles still travelling: what the transfer manager looks at, however long the history.
@Index('ix_data_transfer_package_failed', ['updatedAt'], { where: `status = 'failed'` })
@Index('ix_data_transfer_package_travelling', ['updatedAt'], {
  where: `status = 'completed' AND distributed_at IS NULL`,
})
export class DataTransferPackage extends WorkRow {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text', unique: true })
  name!: string;

  @Column({ type: 'text' })
  relativePath!: string;

  /** The buffer where it is assembled, from the package tars already there. */
  @ManyToOne(() => DataLocation, { nullable: false, onDelete: 'RESTRICT' })
  originLocation?: DataLocation;

  @Column()
  originLocationId!: number;

  @Column({
    type: 'enum',
    enum: OperationStatus,
    enumName: 'operation_status',
    default: OperationStatus.PENDING,
  })
  status!: OperationStatus;

  /** Sum of the package tars until the bundle exists, then the bundle's size. */
  @Column({ type: 'bigint', transformer: bigintTransformer, default: 0 })
  size!: number;

  @Column({ type: 'char', length: 64, nullable: true })
  sha256!: string | null;

  @Column({ type: 'int', default: 0 })
  packageCount!: number;

  /**
   * When every long-term-archive site had it unpacked and verified in one of its buffers (the first site
   * from the observatory, the others from that site). From then on no transfer reads it, and its copies
   * in buffers may go.
   */
  @Column({ type: 'timestamptz', nullable: true })
  distributedAt!: Date | null;
}
