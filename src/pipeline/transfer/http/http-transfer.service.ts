import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import Redis from 'ioredis';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { REDIS } from '../../../engine/redis/redis.module';
import { Environment } from '../../../config/environment';
import { DataLocation } from '../../../catalog/locations/data-location.entity';
import { DiskStorage } from '../../../engine/storage/disk-storage';
import { StorageService } from '../../../engine/storage/storage.service';
import { Digest } from '../../../engine/storage/verifying-stream';
import { DataTransfer } from '../data-transfer.entity';
import { Bandwidth } from './bandwidth';
import { WaitingForSetupError } from '../../../engine/work/task-error';
import { pullInRanges, requestRange, TransferRefusedError } from './http-pull';
import { pullSettingsOf, pullSetupProblem } from './pull-setup';
import { RouteSlots } from './route-slots';
import { askOriginToCheck, OriginCheckAnswer, OriginCheckDetector } from './origin-check';

/** A file's address on the data port of the worker serving `location`. */
function dataPortUrl(location: DataLocation, path: string): string {
  return `${location.dataUrl}/${path.split('/').map(encodeURIComponent).join('/')}`;
}

/** Below this, one stream: more would only add requests. */
const MIN_BYTES_PER_STREAM = 8 * 1024 * 1024;

/**
 * Transfer method `http`, the destination side: takes a slot on the route (origin location to destination
 * site, `TRANSFER_ROUTE_CONCURRENCY` across all workers), then pulls the file from the origin's data URL in
 * `TRANSFER_STREAMS` resumable ranges, paced by `TRANSFER_BANDWIDTH_LIMIT`, authenticated with
 * `TRANSFER_TOKEN`, trusting `TRANSFER_TLS_CA` for https.
 */
@Injectable()
export class HttpTransferService {
  private readonly logger = new Logger(HttpTransferService.name);
  private readonly bandwidth: Bandwidth;
  private readonly ca?: Buffer;

  constructor(
    private readonly config: ConfigService<Environment, true>,
    private readonly storage: StorageService,
    @Inject(REDIS) private readonly redis: Redis,
  ) {
    this.bandwidth = new Bandwidth(config.get('TRANSFER_BANDWIDTH_LIMIT', { infer: true }));
    const ca = config.get('TRANSFER_TLS_CA', { infer: true });
    this.ca = ca ? readFileSync(ca) : undefined;
  }

  /**
   * The token to send to `origin`'s data port. Refused when the origin has no dataUrl; and the work waits,
   * without spending a try (WaitingForSetupError), while this worker has no token or the dataUrl is plain
   * http without TRANSFER_ALLOW_INSECURE (pull-setup.ts): its settings, not the work, are what to fix.
   */
  private tokenFor(origin: DataLocation, doing: string): string {
    if (!origin.dataUrl) throw new TransferRefusedError(`${origin.name} has no dataUrl to ${doing}`);
    const settings = pullSettingsOf(this.config);
    const problem = pullSetupProblem(origin.dataUrl, settings, `${doing} ${origin.name}`);
    if (problem) throw new WaitingForSetupError(problem);
    return settings.token!;
  }

  /**
   * The whole of a file on another site's buffer, as a stream from that worker's data port (for a DIRECT
   * route's archive upload, which verifies it as it passes; a failure starts the upload again).
   */
  async open(origin: DataLocation, path: string, size: number): Promise<Readable> {
    const token = this.tokenFor(origin, 'read from');
    const url = dataPortUrl(origin, path);
    if (size === 0) return Readable.from([]);
    return requestRange({ url, token, ca: this.ca }, 0, size - 1);
  }

  /**
   * Asks the origin's worker to look at its own copy of `path`, which this worker read in full and found
   * not to be what was recorded; the origin marks it LOST (and heals it) only if it finds it so too.
   */
  async askOriginToCheck(
    origin: DataLocation,
    path: string,
    detectedBy: OriginCheckDetector,
    details: string,
  ): Promise<OriginCheckAnswer> {
    const token = this.tokenFor(origin, `ask to check ${path}`);
    return askOriginToCheck({ url: dataPortUrl(origin, path), token, ca: this.ca }, detectedBy, details);
  }

  async pull(
    t: DataTransfer,
    origin: DataLocation,
    destination: DataLocation,
    path: string,
    expected: { size: number; sha256: string },
    onProgress?: (bytesHeld: number) => Promise<void>,
  ): Promise<Digest> {
    const token = this.tokenFor(origin, 'pull from');
    const target = this.storage.backendFor(destination);
    if (!(target instanceof DiskStorage))
      throw new TransferRefusedError(`${destination.name}: http pulls land on disk buffers only`);
    const streams = Math.max(
      1,
      Math.min(
        this.config.get('TRANSFER_STREAMS', { infer: true }),
        Math.floor(expected.size / MIN_BYTES_PER_STREAM),
      ),
    );
    const prefix = this.config.get('REDIS_KEY_PREFIX', { infer: true });
    const slots = new RouteSlots(
      this.redis,
      `${prefix}transfer_route:${origin.id}:${destination.siteId}`,
      this.config.get('TRANSFER_ROUTE_CONCURRENCY', { infer: true }),
    );
    return slots.hold(t.id, async () => {
      const into = await target.openResumable(path, expected.size, streams);
      const held = into.bytesHeld;
      const url = dataPortUrl(origin, path);
      const { digest, received } = await pullInRanges({
        url,
        token,
        expected,
        into,
        bandwidth: this.bandwidth,
        ca: this.ca,
        onProgress,
      });
      this.logger.log(
        `pulled ${path} (${expected.size} bytes) from ${url} in ${streams} stream(s): ${received} received` +
          (held ? `, ${held} already held from an earlier attempt` : ''),
      );
      return digest;
    });
  }
}
