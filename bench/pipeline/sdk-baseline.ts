import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createHash } from 'node:crypto';
import { createReadStream, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { startS3Server } from '../../scripts/lib/s3-server';
import { Unit } from './run-pipeline';
import { runShellSteps } from './shell-baseline';

const BUCKETS: Record<string, string> = { cologne: 'baseline-cologne', us: 'baseline-us' };

const sha256Of = async (stream: Readable) => {
  const hash = createHash('sha256');
  await pipeline(stream, hash);
  return hash.digest('hex');
};

/**
 * The honest yardstick: the same byte work as the pipeline, S3 included, against the same s3rver (in this
 * process, as the pipeline benchmark runs it). Frozen steps:
 *  1. the shell steps of shell-baseline.ts up to and including the unpack at each archive site's buffer
 *     (hash the files; tar and hash each package; tar and hash the bundle; per site: copy the bundle into its
 *     buffer, hash it, unpack it, hash each package and each file inside; sync);
 *  2. per site, each package tar uploaded from that buffer with the plain SDK `Upload` (the pipeline's part
 *     size and concurrency defaults of lib-storage), then read back with GetObject and hashed against the
 *     local tar's hash.
 * The ratio pipeline / this measures what our pipeline adds (database, queues, verification, the http
 * transfer), not what the test server costs. Returns the seconds of steps 1 and 2 (not s3rver's start).
 */
export async function sdkBaseline(base: string, units: Unit[]): Promise<number> {
  const s3 = await startS3Server(Object.values(BUCKETS));
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: s3.credentials,
  });
  let dir = '';
  try {
    const shell = runShellSteps(base, units, false);
    dir = shell.dir;
    const started = process.hrtime.bigint();
    for (const site of Object.keys(BUCKETS)) {
      const buffer = join(dir, site, 'buffer');
      for (const tar of readdirSync(buffer).filter((f) => /^p\d+\.tar$/.test(f))) {
        // Hashed as it is uploaded, as the pipeline does: no extra pass over the tar.
        const hash = createHash('sha256');
        const body = createReadStream(join(buffer, tar)).pipe(
          new Transform({
            transform(chunk: Buffer, _encoding, done) {
              hash.update(chunk);
              done(null, chunk);
            },
          }),
        );
        await new Upload({
          client,
          params: { Bucket: BUCKETS[site], Key: `archive/${tar}`, Body: body },
        }).done();
        const local = hash.digest('hex');
        const back = await client.send(
          new GetObjectCommand({ Bucket: BUCKETS[site], Key: `archive/${tar}` }),
        );
        if ((await sha256Of(back.Body as Readable)) !== local)
          throw new Error(`${site}/${tar}: read back differs`);
      }
    }
    return shell.seconds + Number(process.hrtime.bigint() - started) / 1e9;
  } finally {
    client.destroy();
    await s3.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}
