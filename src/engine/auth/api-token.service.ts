import { setting } from '../../config/setting';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectRepository } from '@nestjs/typeorm';
import { LRUCache } from 'lru-cache';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type Redis from 'ioredis';
import { IsNull, Repository } from 'typeorm';
import { DomainError } from '../errors/domain-error';
import { Environment } from '../../config/environment';
import { LocationType } from '../../catalog/locations/location-type';
import { ApiToken, TokenScope } from './api-token.entity';
import { REDIS } from '../redis/redis.module';
import { SharedAuthFailureLimiter } from './shared-auth-failure-limiter';
import { bindingOf, IngestBinding } from './ingest-binding';
import { checkedTransferSite } from './transfer-binding';

/** `ccat_<prefix>_<secret>`: the prefix finds the row, the whole string is hashed and compared. */
const TOKEN_PATTERN = /^ccat_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export interface CreatedToken {
  token: string;
  record: ApiToken;
}

export interface Principal {
  tokenId: number;
  name: string;
  scopes: TokenScope[];
  /** What an ingest token may register for; null for a token bound to nothing. */
  binding: IngestBinding | null;
  /** The site a transfer token pulls for; null for a token bound to none (transfer-binding.ts). */
  site: string | null;
}

/** The principal a token row stands for. */
export function principalOfToken(
  t: Pick<ApiToken, 'id' | 'name' | 'scopes' | 'instruments' | 'sources' | 'site'>,
): Principal {
  return {
    tokenId: t.id,
    name: t.name,
    scopes: t.scopes,
    binding: bindingOf(t.instruments, t.sources),
    site: t.site ?? null,
  };
}

export interface TokenOptions {
  expiresAt?: Date | null;
  /** Bind an ingest token to these instruments (names). */
  instruments?: string[];
  /** Bind an ingest token to these source locations (`site/location`). */
  sources?: string[];
  /** Bind a transfer token to this site (short name). */
  site?: string;
}

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

/**
 * How long a process trusts a token row it has read: an instrument sends hundreds of requests a second,
 * and a revocation takes effect everywhere within this time (at once in the process that revoked).
 */
const TOKEN_CACHE_MS = 10_000;

/**
 * How long a prefix that matched no token is not looked up again: made-up tokens cost no query each. A
 * token created meanwhile has a new random prefix, so this never hides a real one.
 */
const UNKNOWN_PREFIX_MS = 10_000;

@Injectable()
export class ApiTokenService {
  private readonly byPrefix = new LRUCache<string, ApiToken>({ max: 1000, ttl: TOKEN_CACHE_MS });
  private readonly unknownPrefixes = new LRUCache<string, true>({ max: 10_000, ttl: UNKNOWN_PREFIX_MS });
  private readonly failures: SharedAuthFailureLimiter;

  constructor(
    @InjectRepository(ApiToken) private readonly tokens: Repository<ApiToken>,
    @Optional() config?: ConfigService<Environment, true>,
    // Without Redis (a script, a test's factory) failures are counted in this process only.
    @Optional() @Inject(REDIS) redis?: Redis,
  ) {
    this.failures = new SharedAuthFailureLimiter(
      setting(config, 'AUTH_FAILURES_PER_MINUTE'),
      redis,
      setting(config, 'REDIS_KEY_PREFIX'),
    );
  }

  /** Returns the token in clear exactly once; only its hash is kept. */
  async create(name: string, scopes: TokenScope[], options: TokenOptions = {}): Promise<CreatedToken> {
    if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(name)) {
      throw new DomainError('VALIDATION', 'name must be 1-64 characters of letters, digits, _ . : -');
    }
    const unknown = scopes.filter((s) => !Object.values(TokenScope).includes(s));
    if (scopes.length === 0 || unknown.length > 0) {
      throw new DomainError(
        'VALIDATION',
        `scopes must be a non-empty list of ${Object.values(TokenScope).join(', ')}` +
          (unknown.length ? `; unknown: ${unknown.join(', ')}` : ''),
      );
    }
    const binding = await this.checkedBinding(scopes, options);
    const site = await checkedTransferSite(this.tokens.manager, scopes, options.site);
    if (await this.tokens.existsBy({ name })) {
      throw new DomainError('CONFLICT', `a token named ${name} already exists`);
    }
    const prefix = randomBytes(6).toString('hex');
    const token = `ccat_${prefix}_${randomBytes(32).toString('base64url')}`;
    const record = await this.tokens.save(
      this.tokens.create({
        name,
        prefix,
        tokenHash: sha256(token),
        scopes: [...new Set(scopes)],
        expiresAt: options.expiresAt ?? null,
        instruments: binding?.instruments ?? null,
        sources: binding?.sources ?? null,
        site,
      }),
    );
    return { token, record };
  }

  /**
   * A binding narrows what an ingest token registers, so it is refused on any other kind of token (an
   * admin or read token bound to an instrument would read as narrower than it is), and each name must
   * exist: a typo would bind the token to nothing and every registration would be refused.
   */
  private async checkedBinding(scopes: TokenScope[], options: TokenOptions): Promise<IngestBinding | null> {
    const binding = bindingOf(unique(options.instruments), unique(options.sources));
    if (!binding) return null;
    if (!scopes.includes(TokenScope.INGEST) || scopes.includes(TokenScope.ADMIN)) {
      throw new DomainError(
        'VALIDATION',
        'instruments/sources bind an ingest token: give the ingest scope, and not admin (which is never bound)',
      );
    }
    const m = this.tokens.manager;
    const missing: string[] = [];
    if (binding.instruments) {
      const found: { name: string }[] = await m.query(
        `SELECT name FROM instrument WHERE name = ANY($1::text[])`,
        [binding.instruments],
      );
      const known = new Set(found.map((r) => r.name));
      missing.push(...binding.instruments.filter((n) => !known.has(n)).map((n) => `instrument ${n}`));
    }
    if (binding.sources) {
      const found: { key: string }[] = await m.query(
        `SELECT s.short_name || '/' || l.name AS key FROM data_location l JOIN site s ON s.id = l.site_id
          WHERE l.location_type = $2 AND (s.short_name || '/' || l.name) = ANY($1::text[])`,
        [binding.sources, LocationType.SOURCE],
      );
      const known = new Set(found.map((r) => r.key));
      missing.push(...binding.sources.filter((k) => !known.has(k)).map((k) => `source location ${k}`));
    }
    if (missing.length > 0) {
      throw new DomainError(
        'VALIDATION',
        `cannot bind the token to what does not exist: ${missing.join(', ')}`,
      );
    }
    return binding;
  }

  /**
   * The principal behind a presented token, or null if it is malformed, unknown, revoked or expired. With
   * the caller's address, its failures are counted (in Redis, across processes), and an address over
   * AUTH_FAILURES_PER_MINUTE is refused (TOO_MANY_REQUESTS) before the token is looked at.
   */
  async verify(presented: string, client?: string): Promise<Principal | null> {
    if (client === undefined) return this.check(presented);
    await this.failures.assertAllowed(client);
    const principal = await this.check(presented);
    if (!principal) await this.failures.recordFailure(client);
    return principal;
  }

  private async check(presented: string): Promise<Principal | null> {
    const match = TOKEN_PATTERN.exec(presented);
    if (!match) return null;
    const record = this.byPrefix.get(match[1]) ?? (await this.load(match[1]));
    if (!record) return null;
    const expected = Buffer.from(record.tokenHash, 'hex');
    const actual = Buffer.from(sha256(presented), 'hex');
    if (!timingSafeEqual(expected, actual)) return null;
    if (record.expiresAt && record.expiresAt.getTime() <= Date.now()) return null;
    this.touch(record);
    return principalOfToken(record);
  }

  async revoke(name: string): Promise<void> {
    const result = await this.tokens.update({ name, revokedAt: IsNull() }, { revokedAt: new Date() });
    if (!result.affected) throw new DomainError('NOT_FOUND', `no active token named ${name}`);
    this.byPrefix.clear();
  }

  private async load(prefix: string): Promise<ApiToken | null> {
    if (this.unknownPrefixes.has(prefix)) return null;
    const record = await this.tokens.findOneBy({ prefix, revokedAt: IsNull() });
    if (record) this.byPrefix.set(prefix, record);
    else this.unknownPrefixes.set(prefix, true);
    return record;
  }

  list(): Promise<ApiToken[]> {
    return this.tokens.find({ order: { createdAt: 'ASC' } });
  }

  /** lastUsedAt at minute resolution: an ingest burst must not turn every request into a write. */
  private touch(record: ApiToken): void {
    const now = Date.now();
    if (record.lastUsedAt && now - record.lastUsedAt.getTime() < 60_000) return;
    record.lastUsedAt = new Date(now);
    void this.tokens.update({ id: record.id }, { lastUsedAt: record.lastUsedAt }).catch(() => undefined);
  }
}

function unique(values: string[] | undefined): string[] | null {
  const kept = [...new Set((values ?? []).map((v) => v.trim()).filter((v) => v.length > 0))];
  return kept.length > 0 ? kept : null;
}
