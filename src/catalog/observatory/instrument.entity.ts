import { Column, CreateDateColumn, Entity, ManyToOne, OneToMany, PrimaryGeneratedColumn } from 'typeorm';
import { InstrumentModule } from './instrument-module.entity';
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

  @OneToMany(() => InstrumentModule, (m) => m.instrument)
  modules?: InstrumentModule[];

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
