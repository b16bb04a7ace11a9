import { plainToInstance, Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateIf,
  validateSync,
} from 'class-validator';
import { SecuritySettings } from './security-settings';
import { Duration, toBytes, toInt } from './setting-decorators';

/**
 * Every setting the processes read, validated once at boot. A bad value stops start-up with a message
 * that names the variable, rather than failing later in the middle of a transfer.
 */
export class Environment extends SecuritySettings {
  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/ccat';

  @Matches(/^rediss?:\/\//, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL = 'redis://127.0.0.1:6379';

  @Transform(toInt)
  @IsInt({ message: 'API_PORT must be an integer' })
  @Min(0)
  @Max(65535)
  API_PORT = 3000;

  @Transform(toInt)
  @IsInt({ message: 'WORKER_HTTP_PORT must be an integer' })
  @Min(0)
  @Max(65535)
  WORKER_HTTP_PORT = 3100;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  @Transform(toInt)
  @IsInt({ message: 'BULK_MAX_FILES must be an integer' })
  @Min(1)
  BULK_MAX_FILES = 20000;

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

  /** How often a worker re-reads the locations it serves and binds or unbinds their queues. */
  @Duration(100)
  WORKER_DISCOVERY_INTERVAL = 30_000;

  /** On SIGTERM, how long running jobs may finish before they are handed back to the queue. */
  @Duration(0)
  WORKER_SHUTDOWN_TIMEOUT = 30_000;

  @Duration(1000)
  HEARTBEAT_TTL = 90_000;

  @Duration(100)
  HEARTBEAT_INTERVAL = 30_000;

  /**
   * Overrides every operation's job lock (see operation-settings.ts): how soon a job whose worker died is
   * taken by another. Long by default, since one job can stream for minutes; short in tests and chaos runs.
   */
  @IsOptional()
  @Duration(500)
  JOB_LOCK_DURATION?: number;

  /** How often managers re-create their schedulers (a Redis that lost its data lost them too). */
  @Duration(100)
  MANAGER_SCHEDULER_REFRESH = 30_000;

  @Duration(100)
  RAW_DATA_PACKAGE_MANAGER_INTERVAL = 10_000;

  /** An obs unit whose finish never came is packaged this long after its last file was registered. */
  @Duration(0)
  OBS_UNIT_GRACE = 3_600_000;

  /** A raw data package is split so that no tar is larger than this (a single larger file goes alone). */
  @Transform(toBytes)
  @IsInt({ message: 'RAW_PACKAGE_MAX_BYTES must be a size such as 50GB, 512MiB or a number of bytes' })
  @Min(1)
  RAW_PACKAGE_MAX_BYTES = 50e9;

  /**
   * How an S3 copy is proven before it counts: `readback` hashes the stored object again (the default:
   * s3rver, and some real S3 services, check no checksum on upload); `metadata` trusts size and metadata.
   */
  @IsIn(['readback', 'metadata'])
  LTA_VERIFY: 'readback' | 'metadata' = 'readback';

  @Duration(100)
  DATA_TRANSFER_PACKAGE_MANAGER_INTERVAL = 10_000;

  @Duration(100)
  DATA_TRANSFER_MANAGER_INTERVAL = 10_000;

  @Duration(100)
  LONG_TERM_ARCHIVE_MANAGER_INTERVAL = 10_000;

  @Duration(100)
  DELETION_MANAGER_INTERVAL = 30_000;

  @Duration(100)
  STAGING_MANAGER_INTERVAL = 10_000;

  @Duration(100)
  MONITORING_MANAGER_INTERVAL = 60_000;

  @Duration(100)
  RECOVERY_MANAGER_INTERVAL = 60_000;

  @Duration(100)
  ALERT_MANAGER_INTERVAL = 60_000;

  /** How often the managers sample the pipeline's totals and backlog into the hourly rollup of the charts. */
  @Duration(1000)
  HISTORY_MANAGER_INTERVAL = 60_000;

  /** How often lost copies found by the check or the fixity audit are handed to their location's worker. */
  @Duration(100)
  COPY_REPAIR_MANAGER_INTERVAL = 10_000;

  /** How often the fixity audit plans re-hashes of archived copies (each cycle gets its share of the budget). */
  @Duration(100)
  FIXITY_MANAGER_INTERVAL = 300_000;

  /** Bytes each long-term-archive location re-hashes per day at most; pro-rated per fixity cycle. */
  @Transform(toBytes)
  @IsInt({ message: 'FIXITY_BYTES_PER_DAY must be a size such as 1TiB, 500GB or a number of bytes' })
  @Min(0)
  FIXITY_BYTES_PER_DAY = 1024 ** 4;

  /**
   * Bytes each BUFFER location re-hashes per day at most (its package tars and bundles), so that a tar that
   * rots while it waits is found before it is read for shipping; 0 turns the buffers' audit off.
   */
  @Transform(toBytes)
  @IsInt({ message: 'FIXITY_BUFFER_BYTES_PER_DAY must be a size such as 200GiB or a number of bytes' })
  @Min(0)
  FIXITY_BUFFER_BYTES_PER_DAY = 256 * 1024 ** 3;

  /** Bytes each SOURCE location re-hashes per day at most (files not yet deleted there); 0 turns it off. */
  @Transform(toBytes)
  @IsInt({ message: 'FIXITY_SOURCE_BYTES_PER_DAY must be a size such as 50GiB or a number of bytes' })
  @Min(0)
  FIXITY_SOURCE_BYTES_PER_DAY = 64 * 1024 ** 3;

  /** `off` stops the fixity audit from planning new checks (those planned still run). */
  @IsIn(['on', 'off'], { message: 'FIXITY_AUDIT must be on or off' })
  FIXITY_AUDIT: 'on' | 'off' = 'on';

  /** How often the events manager moves committed events from the outbox to the Redis Stream (docs/events.md). */
  @Duration(100)
  EVENTS_RELAY_INTERVAL = 2_000;

  /** The stream `ccat:events` is trimmed to about this many entries (XADD MAXLEN ~), so Redis cannot fill up. */
  @Transform(toInt)
  @IsInt({ message: 'EVENTS_STREAM_MAXLEN must be an integer of at least 1000' })
  @Min(1000, { message: 'EVENTS_STREAM_MAXLEN must be an integer of at least 1000' })
  EVENTS_STREAM_MAXLEN = 1_000_000;

  /** A file not safe (archived at DELETION_MIN_LTA_SITES sites) this long after its registration is alerted. */
  @Duration(1000)
  SAFE_DEADLINE = 86_400_000;

  /**
   * A stage is alerted as stalled at a site (`pipeline_stalled`) when its work is open there and none of it
   * moved, and none of that kind completed there, for this long.
   */
  @Duration(60_000)
  STALL_ALERT_AFTER = 1_800_000;

  /** `disk_full_soon` warns of a SOURCE or BUFFER disk that reaches its threshold within this, at its rate. */
  @Duration(60_000)
  DISK_FULL_ALERT_HORIZON = 172_800_000;

  /** The rate `disk_full_soon` extrapolates is the fill over this last span of measurements. */
  @Duration(60_000)
  DISK_FULL_RATE_WINDOW = 21_600_000;

  /** Where alerts are POSTed (JSON, docs/alerts.md); empty = alerts are recorded in the database only. */
  @IsOptional()
  @IsString()
  ALERT_WEBHOOK_URL?: string;

  /**
   * Work scheduled this long ago whose job is gone from Redis (or finished there while the row did not) is
   * reset to pending. Covers the moment between enqueueing and committing the schedule.
   */
  @Duration(0)
  RECOVERY_GRACE = 60_000;

  /** Work in progress whose job is gone but whose claiming process still beats is reset only after this. */
  @Duration(0)
  RECOVERY_STALL_TIMEOUT = 3_600_000;

  /**
   * A package is safe (src/catalog/physical-copies/package-safety.ts) once it is ARCHIVED with PRESENT,
   * checksum-verified copies at this many distinct long-term-archive *sites*; nothing of it leaves a SOURCE
   * location or a buffer before. Two archive locations at one site count once. Formerly
   * DELETION_MIN_LTA_COPIES, still read (with a warning) for one release.
   */
  @Transform(toInt)
  @IsInt({ message: 'DELETION_MIN_LTA_SITES must be an integer of at least 1' })
  @Min(1, { message: 'DELETION_MIN_LTA_SITES must be an integer of at least 1' })
  DELETION_MIN_LTA_SITES = 2;

  /**
   * Before a source or buffer copy goes, each archive copy counted as making it safe must have been shown
   * by its storage this recently (its verified write, a fixity re-hash, or a presence check that the
   * deletion manager asks the archive's worker for): the database is not the only witness.
   */
  @Duration(1000)
  DELETION_WITNESS_MAX_AGE = 900_000;

  /**
   * How long a copy stays at a location of each type after it was made, even when a rule lets it go
   * (waived while the location is over its disk threshold).
   */
  @Duration(0)
  DELETION_RETENTION_SOURCE = 0;

  @Duration(0)
  DELETION_RETENTION_BUFFER = 0;

  @Duration(0)
  DELETION_RETENTION_PROCESSING = 0;

  /** A transfer bundle is closed when the next package would take it over this size. */
  @Transform(toBytes)
  @IsInt({ message: 'TRANSFER_PACKAGE_MAX_BYTES must be a size such as 100GB, 512MiB or a number of bytes' })
  @Min(1)
  TRANSFER_PACKAGE_MAX_BYTES = 100e9;

  /** A bundle that is not full ships anyway once its oldest package has waited this long (a quiet night). */
  @Duration(0)
  TRANSFER_PACKAGE_MAX_WAIT = 3_600_000;

  /** Parallel Range streams of one large HTTP pull (the long link gives each TCP stream little). */
  @Transform(toInt)
  @IsInt({ message: 'TRANSFER_STREAMS must be an integer from 1 to 32' })
  @Min(1)
  @Max(32)
  TRANSFER_STREAMS = 4;

  /** HTTP pulls running at once on one route (origin location to destination site), across all workers. */
  @Transform(toInt)
  @IsInt({ message: 'TRANSFER_ROUTE_CONCURRENCY must be an integer >= 1' })
  @Min(1)
  TRANSFER_ROUTE_CONCURRENCY = 4;

  /** Bytes per second this worker pulls over http at most, all pulls together; 0 is no cap. */
  @Transform(toBytes)
  @IsInt({ message: 'TRANSFER_BANDWIDTH_LIMIT must be a size per second such as 50MB, or 0 for none' })
  @Min(0)
  TRANSFER_BANDWIDTH_LIMIT = 0;

  /** How long a scrape waits for the database/Redis-backed metrics before serving the rest without them. */
  @Duration(100)
  METRICS_COLLECT_TIMEOUT = 2000;

  /**
   * What the api app is: `central` (the ingest and admin API on the central database) or `site-relay` (at
   * the observatory: journals instrument registrations on local disk and forwards them to the central API,
   * needing neither database nor Redis; docs/operations.md). `--role site-relay` sets it too.
   */
  @IsIn(['central', 'site-relay'])
  API_ROLE: 'central' | 'site-relay' = 'central';

  /** The site relay's journal, delivery mark and dead letters: a local disk that survives reboots. */
  @ValidateIf((e: Environment) => e.API_ROLE === 'site-relay')
  @IsString({ message: 'SITE_RELAY_DIR is required for the site-relay role: a local directory' })
  SITE_RELAY_DIR?: string;

  /** The central ingest API the relay delivers to, e.g. https://ccat-dt.example.org. */
  @ValidateIf((e: Environment) => e.API_ROLE === 'site-relay')
  @Matches(/^https?:\/\/\S+$/, { message: 'SITE_RELAY_CENTRAL_URL must be an http(s):// URL' })
  SITE_RELAY_CENTRAL_URL?: string;

  /**
   * An ingest token bound to the instruments behind this relay: instruments present it to the relay, the
   * relay presents it to the central API
   * (`ccat-dt token create --name site-relay --scopes ingest --instrument primecam,chai`).
   */
  @ValidateIf((e: Environment) => e.API_ROLE === 'site-relay')
  @Matches(/^\S{16,}$/, { message: 'SITE_RELAY_TOKEN must be an API token (16+ characters, no spaces)' })
  SITE_RELAY_TOKEN?: string;

  /** The longest wait between two delivery attempts while the central API cannot be reached. */
  @Duration(100)
  SITE_RELAY_MAX_BACKOFF = 30_000;

  /** One delivery request is given up (and retried) after this long. */
  @Duration(100)
  SITE_RELAY_REQUEST_TIMEOUT = 30_000;

  /** The name this process records in claimedBy and in audit events; derived from the host and pid if unset. */
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_.-]+$/, { message: 'PROCESS_NAME may contain letters, digits, _ . - only' })
  PROCESS_NAME?: string;
}

/** Settings renamed in this release: the old name still works, with a warning, until the next. */
const RENAMED: Record<string, keyof Environment> = { DELETION_MIN_LTA_COPIES: 'DELETION_MIN_LTA_SITES' };

/** Takes a renamed setting's old name for its new one; both set to different values stop start-up. */
function withRenamedSettings(defined: Record<string, unknown>): Record<string, unknown> {
  const out = { ...defined };
  for (const [old, current] of Object.entries(RENAMED)) {
    if (!(old in defined)) continue;
    if (current in defined && String(defined[current]) !== String(defined[old]))
      throw new Error(
        `Invalid configuration:\n  ${old} (deprecated) and ${current} are both set, to different values: set only ${current}`,
      );
    if (!(current in defined)) {
      process.emitWarning(`${old} is deprecated and will be removed in the next release: set ${current}`, {
        type: 'DeprecationWarning',
        code: `CCAT_${old}`,
      });
      out[current] = defined[old];
    }
    delete out[old];
  }
  return out;
}

export function validateEnvironment(raw: Record<string, unknown>): Environment {
  const defined = withRenamedSettings(
    Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined && v !== '')),
  );
  const env = plainToInstance(Environment, defined, { exposeDefaultValues: true });
  const errors = validateSync(env, { skipMissingProperties: false });
  if (errors.length > 0) {
    // The variable and what is wrong with it, never its value: settings hold passwords (DATABASE_URL,
    // REDIS_URL, the tokens), and start-up errors end up in logs.
    const lines = errors.flatMap((e) =>
      Object.values(e.constraints ?? {}).map(
        (m) => `  ${e.property} (${e.property in defined ? 'set; its value is not shown' : 'not set'}): ${m}`,
      ),
    );
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return env;
}

/** For code that runs outside Nest (migrations CLI data source, scripts). */
export function loadEnvironment(): Environment {
  return validateEnvironment(process.env);
}
