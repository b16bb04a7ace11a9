import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { Duration, SettingsClass, toBytes, toInt } from './setting-decorators';

/**
 * The settings of the workers: their port, how they bind and release their queues, how an archive copy is
 * proven, and how fast they pull over http. TLS and the transfer token are in security-settings.ts.
 */
export function WorkerSettings<B extends SettingsClass>(Base: B) {
  class WorkerSettings extends Base {
    @Transform(toInt)
    @IsInt({ message: 'WORKER_HTTP_PORT must be an integer' })
    @Min(0)
    @Max(65535)
    WORKER_HTTP_PORT = 3100;

    /** How often a worker re-reads the locations it serves and binds or unbinds their queues. */
    @Duration(100)
    WORKER_DISCOVERY_INTERVAL = 30_000;

    /** On SIGTERM, how long running jobs may finish before they are handed back to the queue. */
    @Duration(0)
    WORKER_SHUTDOWN_TIMEOUT = 30_000;

    /**
     * Overrides every operation's job lock (see operation-settings.ts): how soon a job whose worker died is
     * taken by another. Long by default, since one job can stream for minutes; short in tests and chaos runs.
     */
    @IsOptional()
    @Duration(500)
    JOB_LOCK_DURATION?: number;

    /**
     * How an S3 copy is proven before it counts: `readback` hashes the stored object again (the default:
     * s3rver, and some real S3 services, check no checksum on upload); `metadata` trusts size and metadata.
     */
    @IsIn(['readback', 'metadata'])
    LTA_VERIFY: 'readback' | 'metadata' = 'readback';

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
  }
  return WorkerSettings;
}
