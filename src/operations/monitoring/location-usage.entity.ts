import { Column, Entity, JoinColumn, OneToOne, PrimaryColumn } from 'typeorm';
import { bigintTransformer } from '../../database/bigint.transformer';
import { DataLocation } from '../../catalog/locations/data-location.entity';

/**
 * The last measurement of a location, by the worker that serves it (the MONITORING operation): for a
 * disk, its size and free space; for object storage, the bytes of our live copies there.
 */
@Entity('location_usage')
export class LocationUsage {
  @PrimaryColumn()
  locationId!: number;

  @OneToOne(() => DataLocation, { nullable: false, onDelete: 'CASCADE' })
  @JoinColumn({ name: 'location_id' })
  location?: DataLocation;

  @Column({ type: 'bigint', transformer: bigintTransformer, nullable: true })
  totalBytes!: number | null;

  @Column({ type: 'bigint', transformer: bigintTransformer, nullable: true })
  freeBytes!: number | null;

  /** Bytes of the live copies the database records there. */
  @Column({ type: 'bigint', transformer: bigintTransformer })
  copiesBytes!: number;

  @Column({ type: 'int' })
  copies!: number;

  @Column({ type: 'timestamptz' })
  measuredAt!: Date;

  @Column({ type: 'text' })
  measuredBy!: string;
}
