import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Min, ValidateIf } from 'class-validator';
import { Duration, Flag, SettingsClass, toInt } from './setting-decorators';

/**
 * The settings of who may do what, and how much an unauthenticated caller can make the processes do:
 * tokens, TLS, body limits, the rate of failed authentications, admin sessions, and what is public.
 * docs/operations.md ("Security settings") describes each.
 */
export function SecuritySettings<B extends SettingsClass>(Base: B) {
  class SecuritySettings extends Base {
    /** `production` turns on the checks that refuse an unsafe set-up (an open /metrics). */
    @IsOptional()
    @IsString()
    NODE_ENV?: string;

    /**
     * Largest JSON body of any request, parsed before anything else looks at it: small, since anyone can
     * send one. Only POST /raw-data-files/bulk takes API_BULK_BODY_LIMIT, and only once its token is checked.
     */
    @IsString()
    @Matches(/^\d+(kb|mb)$/i, { message: 'API_BODY_LIMIT must look like 256kb or 1mb' })
    API_BODY_LIMIT = '256kb';

    /**
     * Largest body of a bulk registration (5,000 files are about 1.5 MB), read only from a valid ingest
     * token.
     */
    @IsString()
    @Matches(/^\d+(kb|mb)$/i, { message: 'API_BULK_BODY_LIMIT must look like 20mb or 512kb' })
    API_BULK_BODY_LIMIT = '20mb';

    /**
     * Which proxy hops in front of the api to trust for the client address (`req.ip`) and protocol: unset
     * trusts none; `true`, a number of hops, or addresses/CIDRs (express's `trust proxy`).
     */
    @IsOptional()
    @Matches(/^(true|false|\d+|loopback|linklocal|uniquelocal|[0-9a-fA-F.:/]+(,\s*[0-9a-fA-F.:/]+)*)$/, {
      message: 'TRUST_PROXY must be true, false, a number of hops, loopback or a list of addresses/CIDRs',
    })
    TRUST_PROXY?: string;

    /**
     * Failed authentications one client address may make per minute; past them it gets 429 until it slows.
     * One budget for all the processes sharing a Redis (REDIS_KEY_PREFIX); each process's own while Redis
     * is unreachable (engine/auth/shared-auth-failure-limiter.ts).
     */
    @Transform(toInt)
    @IsInt({ message: 'AUTH_FAILURES_PER_MINUTE must be an integer' })
    @Min(1)
    AUTH_FAILURES_PER_MINUTE = 30;

    /**
     * `true` opens the OpenAPI page (/api/docs) and GraphQL introspection to callers without a read token.
     */
    @Flag()
    API_SCHEMA_PUBLIC = false;

    /** An /admin session ends after this long without a request... */
    @Duration(60_000)
    ADMIN_SESSION_IDLE = 12 * 3_600_000;

    /** ... and this long after sign-in in any case. */
    @Duration(60_000)
    ADMIN_SESSION_MAX = 7 * 86_400_000;

    /** `true` sends the /admin session cookie over plain http too (the demo); never in production. */
    @Flag()
    ADMIN_COOKIE_INSECURE = false;

    /**
     * The bearer token this worker sends when it pulls from another site's worker (method http): an API
     * token with the `transfer` scope (`ccat-dt token create --scopes transfer`). Serving workers check it.
     */
    @IsOptional()
    @IsString()
    TRANSFER_TOKEN?: string;

    /**
     * `true` lets a worker send TRANSFER_TOKEN to a data port over plain `http://` (one host, a demo or a
     * test, where nothing travels a network); otherwise it sends it over https only, and a pull from an
     * http dataUrl is refused with a message naming the URL and this setting.
     */
    @Flag()
    TRANSFER_ALLOW_INSECURE = false;

    /** TLS for the worker's port (data and /health): certificate and key files. Both or neither. */
    @ValidateIf((e: SecuritySettings) => e.WORKER_TLS_CERT !== undefined || e.WORKER_TLS_KEY !== undefined)
    @IsString({ message: 'WORKER_TLS_CERT and WORKER_TLS_KEY go together: set both or neither' })
    WORKER_TLS_CERT?: string;

    @ValidateIf((e: SecuritySettings) => e.WORKER_TLS_CERT !== undefined || e.WORKER_TLS_KEY !== undefined)
    @IsString({ message: 'WORKER_TLS_CERT and WORKER_TLS_KEY go together: set both or neither' })
    WORKER_TLS_KEY?: string;

    /** A CA file that pulls over https trust (besides the system's), e.g. the observatory's own CA. */
    @IsOptional()
    @IsString()
    TRANSFER_TLS_CA?: string;

    /**
     * When set, GET /metrics (api and workers) requires `Authorization: Bearer <METRICS_TOKEN>`. A shared
     * secret for the Prometheus server, not an API token. Unset, /metrics is open: in production only with
     * METRICS_PUBLIC=true, else the process does not start.
     */
    @IsOptional()
    @IsString()
    @Matches(/^\S{16,}$/, { message: 'METRICS_TOKEN must be at least 16 characters without spaces' })
    METRICS_TOKEN?: string;

    /** `true` serves /metrics to anyone even in production (a network that only Prometheus reaches). */
    @Flag()
    METRICS_PUBLIC = false;

    /** How long a scrape's database and Redis readings are served again to the next scrapes. */
    @Duration(0)
    METRICS_CACHE = 5_000;
  }
  return SecuritySettings;
}
