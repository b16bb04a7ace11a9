import { request as httpRequest } from 'node:http';
import { TaskError } from '../../../engine/work/task-error';
import { request as httpsRequest } from 'node:https';
import { text } from 'node:stream/consumers';
import { PROTOCOL_HEADERS } from '../../../engine/release/release';
import { LossDetector } from '../../../operations/consistency/lost-copies';

/** The stages that read another site's copy in full and can ask that site to look at it. */
export const ORIGIN_CHECK_DETECTORS = [
  'transfer',
  'unpack',
  'archive upload',
] as const satisfies readonly LossDetector[];
export type OriginCheckDetector = (typeof ORIGIN_CHECK_DETECTORS)[number];

export interface OriginCheckAnswer {
  /** What the origin found wrong with its copy (now LOST and being healed), or null if it is as recorded. */
  loss: 'missing' | 'size' | 'checksum' | null;
}

export class OriginCheckError extends TaskError {
  readonly retryable = true;
}

/**
 * Asks the worker that serves `url` to read its own copy again, because this one read it in full and the
 * bytes were not what was recorded. Only the site that holds a copy may condemn it: a fault on the way (or
 * at this end) must not cost a good copy.
 */
export function askOriginToCheck(
  req: { url: string; token: string; ca?: Buffer },
  detectedBy: OriginCheckDetector,
  details: string,
): Promise<OriginCheckAnswer> {
  const url = new URL(req.url);
  url.searchParams.set('detectedBy', detectedBy);
  url.searchParams.set('details', details.slice(0, 500));
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const r = request(
      url,
      {
        method: 'POST',
        headers: { Authorization: `Bearer ${req.token}`, ...PROTOCOL_HEADERS },
        ca: req.ca,
        // The origin hashes the whole file before it answers.
        timeout: 30 * 60_000,
      },
      (res) => {
        text(res).then((body) => {
          if (res.statusCode === 200) return resolve(JSON.parse(body) as OriginCheckAnswer);
          reject(
            new OriginCheckError(
              `${req.url}: the origin's check answered ${res.statusCode}: ${body.slice(0, 300)}`,
            ),
          );
        }, reject);
      },
    );
    r.on('timeout', () => r.destroy(new OriginCheckError(`${req.url}: the origin's check did not answer`)));
    r.on('error', reject);
    r.end();
  });
}
