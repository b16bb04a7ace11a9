import {
  Column,
  CreateDateColumn,
  Entity,
  OneToMany,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { DataLocation } from '../locations/data-location.entity';

/** Lowercase, starts with a letter: it becomes the first part of every queue name of the site. */
export const QUEUE_SAFE_NAME = /^[a-z][a-z0-9_]{0,39}$/;

@Entity('site')
export class Site {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'text', unique: true })
  name!: string;

  @Column({ type: 'text', unique: true })
  shortName!: string;

  @Column({ type: 'text', nullable: true })
  location!: string | null;

  @OneToMany('DataLocation', 'site')
  locations?: DataLocation[];

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
