import { Column, CreateDateColumn, Entity, OneToMany, PrimaryGeneratedColumn } from 'typeorm';
import { Telescope } from './telescope.entity';

@Entity('observatory')
export class Observatory {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'text', unique: true })
  name!: string;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @OneToMany(() => Telescope, (t) => t.observatory)
  telescopes?: Telescope[];

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
