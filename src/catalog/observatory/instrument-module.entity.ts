import { Column, CreateDateColumn, Entity, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { Instrument } from './instrument.entity';

/** A module's name is unique within its instrument; files name it and the obs unit names the instrument. */
@Entity('instrument_module')
@Unique('uq_instrument_module_name', ['instrumentId', 'name'])
export class InstrumentModuleEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'text' })
  name!: string;

  @ManyToOne(() => Instrument, (i) => i.modules, { nullable: false, onDelete: 'RESTRICT' })
  instrument?: Instrument;

  @Column()
  instrumentId!: number;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
