import { Column, CreateDateColumn, Entity, ManyToOne, OneToMany, PrimaryGeneratedColumn } from 'typeorm';
import { Instrument } from './instrument.entity';
import { Observatory } from './observatory.entity';

@Entity('telescope')
export class Telescope {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'text', unique: true })
  name!: string;

  @ManyToOne(() => Observatory, (o) => o.telescopes, { nullable: false, onDelete: 'RESTRICT' })
  observatory?: Observatory;

  @Column()
  observatoryId!: number;

  @OneToMany(() => Instrument, (i) => i.telescope)
  instruments?: Instrument[];

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
