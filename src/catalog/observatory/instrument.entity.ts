import { Column, CreateDateColumn, Entity, ManyToOne, OneToMany, PrimaryGeneratedColumn } from 'typeorm';
import { InstrumentModuleEntity } from './instrument-module.entity';
import { Telescope } from './telescope.entity';

@Entity('instrument')
export class Instrument {
  @PrimaryGeneratedColumn()
  id!: number;

  /** Instruments are addressed by name in the ingest API (`"instrument": "primecam"`). */
  @Column({ type: 'text', unique: true })
  name!: string;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @ManyToOne(() => Telescope, (t) => t.instruments, { nullable: false, onDelete: 'RESTRICT' })
  telescope?: Telescope;

  @Column()
  telescopeId!: number;

  @OneToMany(() => InstrumentModuleEntity, (m) => m.instrument)
  modules?: InstrumentModuleEntity[];

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
