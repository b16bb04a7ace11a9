import { Transform } from 'class-transformer';
import { IsInt, Min } from 'class-validator';
import { Duration, SettingsClass, toBytes, toInt } from './setting-decorators';

/**
 * The settings of the managers: how often each runs, how raw data is packaged and bundled for transfer,
 * when lost work is recovered, and how events reach the stream. Deletion, fixity and alerts:
 * manager-safety-settings.ts.
 */
export function ManagerSettings<B extends SettingsClass>(Base: B) {
  class ManagerSettings extends Base {
    /** How often managers re-create their schedulers (a Redis that lost its data lost them too). */
    @Duration(100)
    MANAGER_SCHEDULER_REFRESH = 30_000;

    @Duration(100)
    RAW_DATA_PACKAGE_MANAGER_INTERVAL = 10_000;

    @Duration(100)
    DATA_TRANSFER_PACKAGE_MANAGER_INTERVAL = 10_000;

    @Duration(100)
    DATA_TRANSFER_MANAGER_INTERVAL = 10_000;

    @Duration(100)
    LONG_TERM_ARCHIVE_MANAGER_INTERVAL = 10_000;

    @Duration(100)
    DELETION_MANAGER_INTERVAL = 30_000;

    /** How often the reconciler looks for archived packages missing at an active archive site. */
    @Duration(100)
    ARCHIVE_REPLICATION_MANAGER_INTERVAL = 30_000;

    /**
     * Bytes each archive site receives per day at most by archive-to-archive replication (backfill of a
     * new site, a package missing at one); 0 means no limit. The night's data comes by the bundle path.
     */
    @Transform(toBytes)
    @IsInt({
      message: 'REPLICATION_BYTES_PER_DAY must be a size such as 2TB or a number of bytes (0: no limit)',
    })
    @Min(0)
    REPLICATION_BYTES_PER_DAY = 0;

    @Duration(100)
    STAGING_MANAGER_INTERVAL = 10_000;

    @Duration(100)
    MONITORING_MANAGER_INTERVAL = 60_000;

    @Duration(100)
    RECOVERY_MANAGER_INTERVAL = 60_000;

    @Duration(100)
    ALERT_MANAGER_INTERVAL = 60_000;

    /**
     * How often the managers sample the pipeline's totals and backlog into the hourly rollup of the charts.
     */
    @Duration(1000)
    HISTORY_MANAGER_INTERVAL = 60_000;

    /** How often lost copies found by the check or the fixity audit are handed to their location's worker. */
    @Duration(100)
    COPY_REPAIR_MANAGER_INTERVAL = 10_000;

    /**
     * How often the fixity audit plans re-hashes of archived copies (each cycle gets its share of the
     * budget).
     */
    @Duration(100)
    FIXITY_MANAGER_INTERVAL = 300_000;

    /**
     * How often the events manager moves committed events from the outbox to the Redis Stream
     * (docs/events.md).
     */
    @Duration(100)
    EVENTS_RELAY_INTERVAL = 2_000;

    /**
     * The stream `ccat:events` is trimmed to about this many entries (XADD MAXLEN ~), so Redis cannot
     * fill up.
     */
    @Transform(toInt)
    @IsInt({ message: 'EVENTS_STREAM_MAXLEN must be an integer of at least 1000' })
    @Min(1000, { message: 'EVENTS_STREAM_MAXLEN must be an integer of at least 1000' })
    EVENTS_STREAM_MAXLEN = 1_000_000;

    /** An obs unit whose finish never came is packaged this long after its last file was registered. */
    @Duration(0)
    OBS_UNIT_GRACE = 3_600_000;

    /** A raw data package is split so that no tar is larger than this (a single larger file goes alone). */
    @Transform(toBytes)
    @IsInt({ message: 'RAW_PACKAGE_MAX_BYTES must be a size such as 50GB, 512MiB or a number of bytes' })
    @Min(1)
    RAW_PACKAGE_MAX_BYTES = 50e9;

    /** A transfer bundle is closed when the next package would take it over this size. */
    @Transform(toBytes)
    @IsInt({
      message: 'TRANSFER_PACKAGE_MAX_BYTES must be a size such as 100GB, 512MiB or a number of bytes',
    })
    @Min(1)
    TRANSFER_PACKAGE_MAX_BYTES = 100e9;

    /**
     * A bundle that is not full ships anyway once its oldest package has waited this long (a quiet night).
     */
    @Duration(0)
    TRANSFER_PACKAGE_MAX_WAIT = 3_600_000;

    /**
     * Work scheduled this long ago whose job is gone from Redis (or finished there while the row did not) is
     * reset to pending. Covers the moment between enqueueing and committing the schedule.
     */
    @Duration(0)
    RECOVERY_GRACE = 60_000;

    /** Work in progress whose job is gone but whose claiming process still beats is reset only after this. */
    @Duration(0)
    RECOVERY_STALL_TIMEOUT = 3_600_000;
  }
  return ManagerSettings;
}
