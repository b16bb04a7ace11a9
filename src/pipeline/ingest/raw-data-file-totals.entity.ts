import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintTransformer } from '../../database/bigint.transformer';

/**
 * How many files are registered and their bytes, kept by triggers on raw_data_file (migration
 * RawDataFileTotals): the status screen reads these few rows instead of counting every file ever
 * registered. Spread over a few rows (by backend) so that concurrent registrations do not queue on one
 * row lock; the totals are the sums. Never written by the application.
 */
@Entity('raw_data_file_totals')
export class RawDataFileTotals {
  @PrimaryColumn({ type: 'smallint' })
  shard!: number;

  @Column({ type: 'bigint', transformer: bigintTransformer })
  files!: number;

  @Column({ type: 'bigint', transformer: bigintTransformer })
  bytes!: number;
}
