import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export enum TokenScope {
  INGEST = 'ingest',
  READ = 'read',
  ADMIN = 'admin',
  /** Pull bytes from a worker's data port (workers of other sites). */
  TRANSFER = 'transfer',
}

/**
 * A bearer token. Only its SHA-256 is stored; the short public prefix finds the row without scanning,
 * and the hash is compared in constant time.
 */
@Entity('api_token')
export class ApiToken {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'text', unique: true })
  name!: string;

  @Column({ type: 'text', unique: true })
  prefix!: string;

  @Column({ type: 'char', length: 64 })
  tokenHash!: string;

  @Column({ type: 'text', array: true })
  scopes!: TokenScope[];

  /** Ingest tokens only: the instruments it may register for; null for any (see ingest-binding.ts). */
  @Column({ type: 'text', array: true, nullable: true })
  instruments!: string[] | null;

  /** Ingest tokens only: the source locations (`site/location`) it may register files at; null for any. */
  @Column({ type: 'text', array: true, nullable: true })
  sources!: string[] | null;

  /**
   * Transfer tokens only: the site (short name) whose workers pull with it. A data port answers such a
   * token only for what open work to that site reads (transfer-binding.ts); null for any, as before.
   */
  @Column({ type: 'text', nullable: true })
  site!: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  expiresAt!: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  lastUsedAt!: Date | null;
}
