import { Column, CreateDateColumn, Entity, Index, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { ApiToken } from './api-token.entity';

/**
 * A signed-in /admin browser: the token it signed in with stays on the server, the browser holds only a
 * random session secret in an HttpOnly cookie, of which only the SHA-256 is stored here. It ends on
 * sign-out, after ADMIN_SESSION_IDLE without a request, ADMIN_SESSION_MAX after sign-in, or when its token
 * is revoked or expires (deleted with the token).
 */
@Entity('admin_session')
export class AdminSession {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Index('uq_admin_session_secret_hash', { unique: true })
  @Column({ type: 'char', length: 64 })
  secretHash!: string;

  @ManyToOne(() => ApiToken, { nullable: false, onDelete: 'CASCADE' })
  apiToken?: ApiToken;

  @Column()
  apiTokenId!: number;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @Column({ type: 'timestamptz' })
  lastSeenAt!: Date;

  @Column({ type: 'timestamptz' })
  expiresAt!: Date;
}
