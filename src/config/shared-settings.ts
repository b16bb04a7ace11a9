import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Min } from 'class-validator';
import { Duration, SettingsClass, toInt } from './setting-decorators';

/**
 * The settings every process reads: where the database and Redis are, the names of our keys there, logging,
 * heartbeats, health checks and the process's own name.
 */
export function SharedSettings<B extends SettingsClass>(Base: B) {
  class SharedSettings extends Base {
    @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgres:// URL' })
    DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/ccat';

    @Matches(/^rediss?:\/\//, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
    REDIS_URL = 'redis://127.0.0.1:6379';

    @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    LOG_LEVEL = 'info';

    @Transform(toInt)
    @IsInt({ message: 'HEALTH_TIMEOUT_MS must be an integer' })
    @Min(100)
    HEALTH_TIMEOUT_MS = 2000;

    /** Prefix of BullMQ's keys in Redis; the queue names themselves come from the database. */
    @Matches(/^[A-Za-z0-9_.-]+$/, { message: 'QUEUE_PREFIX may contain letters, digits, _ . - only' })
    QUEUE_PREFIX = 'bull';

    /** Prepended to our own Redis keys (heartbeats, cursors): lets test runs share one Redis. */
    @Matches(/^[A-Za-z0-9_.:-]*$/, { message: 'REDIS_KEY_PREFIX may contain letters, digits, _ . : - only' })
    REDIS_KEY_PREFIX = '';

    @Duration(1000)
    HEARTBEAT_TTL = 90_000;

    @Duration(100)
    HEARTBEAT_INTERVAL = 30_000;

    /** How long a scrape waits for the database/Redis-backed metrics before serving the rest without them. */
    @Duration(100)
    METRICS_COLLECT_TIMEOUT = 2000;

    /**
     * The name this process records in claimedBy and in audit events; derived from the host and pid if unset.
     */
    @IsOptional()
    @IsString()
    @Matches(/^[A-Za-z0-9_.-]+$/, { message: 'PROCESS_NAME may contain letters, digits, _ . - only' })
    PROCESS_NAME?: string;
  }
  return SharedSettings;
}
