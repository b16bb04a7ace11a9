import { Check, Column, Entity, Index, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { bigintTransformer } from '../../database/bigint.transformer';
import { WorkRow } from '../../engine/work/work-row';
import { OperationStatus } from '../../engine/work/operation-status';
import { DataLocation } from '../../catalog/locations/data-location.entity';
import { DataTransferPackage } from '../bundling/data-transfer-package.entity';

export enum TransferMethod {
  /** Both locations readable from the worker (one host, or a shared mount). */
  LOCAL = 'local',
  /** Pulled over the origin worker's data port (the long link). */
  HTTP = 'http',
}

/**
 * One bundle's journey to one destination buffer. Transfer and unpack are tracked apart, so an unpack can
 * be retried without moving the bytes again; a bundle has one transfer per destination.
 */
@Entity('data_transfer')
@Unique('uq_data_transfer_destination', ['dataTransferPackageId', 'destinationLocationId'])
@Check('ck_data_transfer_method', `method IN ('local', 'http')`)
// Failed transfers or unpacks, for the alerts: one index serves a query on either column.
@Index('ix_data_transfer_failed', ['updatedAt'], { where: `status = 'failed' OR unpack_status = 'failed'` })
@Index('ix_data_transfer_open_work', ['status', 'updatedAt'], {
  where: `status IN ('pending', 'scheduled', 'in_progress')`,
})
export class DataTransfer extends WorkRow {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @ManyToOne(() => DataTransferPackage, { nullable: false, onDelete: 'RESTRICT' })
  dataTransferPackage?: DataTransferPackage;

  @Column('uuid')
  dataTransferPackageId!: string;

  @ManyToOne(() => DataLocation, { nullable: false, onDelete: 'RESTRICT' })
  originLocation?: DataLocation;

  @Column()
  originLocationId!: number;

  @ManyToOne(() => DataLocation, { nullable: false, onDelete: 'RESTRICT' })
  destinationLocation?: DataLocation;

  @Column()
  destinationLocationId!: number;

  @Column({ type: 'text' })
  method!: TransferMethod;

  /** The transfer's own status (the bytes at the destination, verified). */
  @Column({
    type: 'enum',
    enum: OperationStatus,
    enumName: 'operation_status',
    default: OperationStatus.PENDING,
  })
  status!: OperationStatus;

  /** The unpack's status, separate: it can fail and be retried with the bytes already there. */
  @Column({
    type: 'enum',
    enum: OperationStatus,
    enumName: 'operation_status',
    default: OperationStatus.PENDING,
  })
  unpackStatus!: OperationStatus;

  @Column({ type: 'bigint', transformer: bigintTransformer, default: 0 })
  bytesTransferred!: number;

  @Column({ type: 'int', default: 0 })
  unpackRetryCount!: number;
}
