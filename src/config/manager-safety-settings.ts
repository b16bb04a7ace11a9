import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Min } from 'class-validator';
import { Duration, SettingsClass, toBytes, toInt } from './setting-decorators';

/**
 * The managers' watch over the data: when a copy may leave a location (deletion), how much of what is
 * stored is re-hashed (the fixity audit), and when something is alerted.
 */
export function ManagerSafetySettings<B extends SettingsClass>(Base: B) {
  class ManagerSafetySettings extends Base {
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

    /**
     * A file not safe (archived at DELETION_MIN_LTA_SITES sites) this long after its registration is alerted.
     */
    @Duration(1000)
    SAFE_DEADLINE = 86_400_000;

    /**
     * A stage is alerted as stalled at a site (`pipeline_stalled`) when its work is open there and none of it
     * moved, and none of that kind completed there, for this long.
     */
    @Duration(60_000)
    STALL_ALERT_AFTER = 1_800_000;

    /**
     * A queue of an active location that no live worker serves (`queue_unserved`), or a site none of whose
     * queues one serves (`no_worker`), is alerted once the alert manager has seen it so for this long:
     * workers starting (a freshly started system), restarting, or binding a location just activated leave
     * queues unserved for a while, up to a discovery interval and a heartbeat.
     */
    @Duration(0)
    QUEUE_UNSERVED_ALERT_AFTER = 300_000;

    /**
     * `disk_full_soon` warns of a SOURCE or BUFFER disk that reaches its threshold within this, at its rate.
     */
    @Duration(60_000)
    DISK_FULL_ALERT_HORIZON = 172_800_000;

    /** The rate `disk_full_soon` extrapolates is the fill over this last span of measurements. */
    @Duration(60_000)
    DISK_FULL_RATE_WINDOW = 21_600_000;

    /** Where alerts are POSTed (JSON, docs/alerts.md); empty = alerts are recorded in the database only. */
    @IsOptional()
    @IsString()
    ALERT_WEBHOOK_URL?: string;
  }
  return ManagerSafetySettings;
}
