import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash, randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Environment } from '../../config/environment';
import { ApiToken } from './api-token.entity';
import { Principal, principalOfToken } from './api-token.service';

/** The HttpOnly cookie that carries an /admin session's secret (never a token). */
export const ADMIN_SESSION_COOKIE = 'ccat_admin_session';

const hash = (secret: string) => createHash('sha256').update(secret).digest('hex');
/** A session's last-seen time is written at most this often: a page refreshing every 5 s is not a write each. */
const TOUCH_EVERY_MS = 60_000;

/**
 * Server-side /admin sessions (AdminSession): sign-in exchanges a token for a random secret, and each
 * request with its cookie stands for that token, with its scopes, for as long as the session and the token
 * both live. Sliding: ADMIN_SESSION_IDLE after the last request, ADMIN_SESSION_MAX after sign-in at most.
 */
@Injectable()
export class AdminSessionService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: ConfigService<Environment, true>,
  ) {}

  /** A new session for `principal`; returns the secret for the cookie, and how long the cookie may live. */
  async start(principal: Principal): Promise<{ secret: string; maxAgeMs: number }> {
    await this.prune();
    const secret = randomBytes(32).toString('base64url');
    const maxAgeMs = this.config.get('ADMIN_SESSION_MAX', { infer: true });
    await this.dataSource.query(
      `INSERT INTO admin_session (secret_hash, api_token_id, last_seen_at, expires_at)
       VALUES ($1, $2, now(), now() + make_interval(secs => $3))`,
      [hash(secret), principal.tokenId, maxAgeMs / 1000],
    );
    return { secret, maxAgeMs };
  }

  /** The principal a session secret stands for, or null if it is unknown, idle too long, too old, or its token gone. */
  async principalOf(secret: string): Promise<Principal | null> {
    const idleMs = this.config.get('ADMIN_SESSION_IDLE', { infer: true });
    const [row]: (Pick<ApiToken, 'id' | 'name' | 'scopes' | 'instruments' | 'sources' | 'site'> & {
      session: string;
      touch: boolean;
    })[] = await this.dataSource.query(
      `SELECT s.id AS session, t.id, t.name, t.scopes, t.instruments, t.sources, t.site, s.last_seen_at < now() - make_interval(secs => $3) AS touch
           FROM admin_session s JOIN api_token t ON t.id = s.api_token_id
          WHERE s.secret_hash = $1 AND s.expires_at > now() AND s.last_seen_at > now() - make_interval(secs => $2)
            AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())`,
      [hash(secret), idleMs / 1000, TOUCH_EVERY_MS / 1000],
    );
    if (!row) return null;
    if (row.touch)
      void this.dataSource
        .query(`UPDATE admin_session SET last_seen_at = now() WHERE id = $1`, [row.session])
        .catch(() => undefined);
    return principalOfToken(row);
  }

  async end(secret: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM admin_session WHERE secret_hash = $1`, [hash(secret)]);
  }

  /** Sessions past their time, removed now and then (they are refused anyway). */
  async prune(): Promise<number> {
    const idleMs = this.config.get('ADMIN_SESSION_IDLE', { infer: true });
    const [, n]: [unknown, number] = await this.dataSource.query(
      `DELETE FROM admin_session WHERE expires_at <= now() OR last_seen_at <= now() - make_interval(secs => $1)`,
      [idleMs / 1000],
    );
    return n;
  }
}
