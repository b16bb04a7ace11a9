import { PROTOCOL_HEADERS, peerMismatch } from '../../../engine/release/release';
import { TransientTaskError } from '../../../engine/work/task-error';
import { TaskError } from '../../../engine/work/task-error';
import { request as httpRequest, IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ResumableWrite } from '../../../engine/storage/disk-storage';
import { Digest } from '../../../engine/storage/verifying-stream';
import { Bandwidth } from './bandwidth';

export class TransferRefusedError extends TaskError {
  readonly retryable = false;
}

/** A data port URL that would carry the token in clear (TRANSFER_ALLOW_INSECURE). */
export const insecureUrl = (url: string): boolean => /^http:\/\//i.test(url);

export interface PullRequest {
  /** The file's URL on the origin worker's data port. */
  url: string;
  token: string;
  expected: { size: number; sha256: string };
  into: ResumableWrite;
  bandwidth: Bandwidth;
  ca?: Buffer;
  /** Consecutive failed requests of one segment, without a byte of progress, before giving up. */
  maxStalls?: number;
  /** Told the bytes held after each checkpoint, e.g. to show a transfer's progress. */
  onProgress?: (bytesHeld: number) => Promise<void>;
}

export interface PullResult {
  digest: Digest;
  /** Bytes received in this attempt (what was already held from an earlier attempt is not counted). */
  received: number;
}

const CHECKPOINT_BYTES = 8 * 1024 * 1024;

/**
 * Pulls one file in parallel byte ranges, one request per segment of the resumable file, each resumed
 * from the byte it reached when its connection is cut (so at most what was in flight is sent twice), and
 * checkpointed every few MiB so another attempt resumes too. The file is put in place only if its
 * SHA-256 matches.
 */
export async function pullInRanges(req: PullRequest): Promise<PullResult> {
  let received = 0;
  let sinceCheckpoint = 0;
  let checkpointing: Promise<void> = Promise.resolve();
  const checkpoint = () =>
    (checkpointing = checkpointing.then(async () => {
      await req.into.checkpoint();
      await req.onProgress?.(req.into.bytesHeld).catch(() => undefined);
    }));

  await Promise.all(
    req.into.segments.map(async (segment) => {
      let stalls = 0;
      while (segment.next < segment.end) {
        const before = segment.next;
        try {
          const res = await requestRange(req, segment.next, segment.end - 1);
          for await (const chunk of res as AsyncIterable<Buffer>) {
            const room = segment.end - segment.next;
            const piece = chunk.length > room ? chunk.subarray(0, room) : chunk;
            await req.bandwidth.take(piece.length);
            await req.into.writeAt(segment, piece);
            received += piece.length;
            sinceCheckpoint += piece.length;
            if (sinceCheckpoint >= CHECKPOINT_BYTES) {
              sinceCheckpoint = 0;
              await checkpoint();
            }
            if (segment.next >= segment.end) break;
          }
          if (segment.next < segment.end)
            throw new TransientTaskError('RESPONSE_ENDED_EARLY', 'the response ended early');
        } catch (err) {
          if (err instanceof TransferRefusedError) throw err;
          stalls = segment.next > before ? 0 : stalls + 1;
          if (stalls >= (req.maxStalls ?? 10)) {
            throw new TransientTaskError(
              'TRANSFER_STALLED',
              `${req.url}: bytes ${segment.next}-${segment.end - 1} failed ${stalls} times: ${(err as Error).message}`,
            );
          }
          await new Promise((r) => setTimeout(r, Math.min(5000, 200 * 2 ** stalls)));
        }
      }
    }),
  ).catch(async (err) => {
    await checkpointing.catch(() => undefined);
    await req.into.checkpoint().catch(() => undefined);
    await req.into.close();
    throw err;
  });
  await checkpointing;
  return { digest: await req.into.commitInPlace(req.expected), received };
}

/** One byte range of a file on a worker's data port; refusals (401, 403, 404, 409, 416) are not retried. */
export function requestRange(
  req: Pick<PullRequest, 'url' | 'token' | 'ca'>,
  start: number,
  end: number,
): Promise<IncomingMessage> {
  const url = new URL(req.url);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const r = request(
      url,
      {
        method: 'GET',
        headers: {
          Authorization: `Bearer ${req.token}`,
          Range: `bytes=${start}-${end}`,
          ...PROTOCOL_HEADERS,
        },
        ca: req.ca,
        timeout: 60_000,
      },
      (res) => {
        // Before a byte is read: an origin on a release this one cannot work with is refused, never
        // half-read.
        const mismatch = peerMismatch((name) => {
          const value = res.headers[name];
          return Array.isArray(value) ? value[0] : value;
        }, new URL(req.url).host);
        if (mismatch) {
          res.resume();
          return reject(new TransferRefusedError(mismatch));
        }
        if (res.statusCode === 206 || (res.statusCode === 200 && start === 0)) return resolve(res);
        res.resume();
        const why = `${req.url} answered ${res.statusCode} to bytes=${start}-${end}`;
        if ([401, 403, 404, 409, 416].includes(res.statusCode ?? 0)) reject(new TransferRefusedError(why));
        else reject(new Error(why));
      },
    );
    r.on('timeout', () => r.destroy(new Error(`${req.url}: no data for 60 s`)));
    r.on('error', reject);
    r.end();
  });
}
