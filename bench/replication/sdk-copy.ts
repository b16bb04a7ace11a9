import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { forEachConcurrently } from '../../src/engine/work/for-each-concurrently';

/** What the baseline copies, and where: given to the child process as JSON (its one argument). */
export interface SdkCopyJob {
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  fromBucket: string;
  toBucket: string;
  objects: { key: string; sha256: string }[];
  concurrency: number;
  /** Then read each written object back with GetObject and hash it (what the pipeline does after its write). */
  readBack?: boolean;
}

/**
 * The baseline's copy (frozen steps in replication.bench.ts): each object read with GetObjectCommand,
 * piped through a SHA-256 into lib-storage's Upload (its defaults), `concurrency` objects at a time; the
 * digest is compared with the expected one after the upload (with `readBack`, the written object is then
 * read back and hashed too: the second yardstick). Returns the seconds from the first request to the
 * last object done, and the bytes copied.
 */
export async function sdkCopy(job: SdkCopyJob): Promise<{ seconds: number; bytes: number }> {
  const client = new S3Client({
    endpoint: job.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: job.credentials,
  });
  let bytes = 0;
  try {
    const started = process.hrtime.bigint();
    await forEachConcurrently(job.objects, job.concurrency, async ({ key, sha256 }) => {
      const res = await client.send(new GetObjectCommand({ Bucket: job.fromBucket, Key: key }));
      const hash = createHash('sha256');
      const body = (res.Body as Readable).pipe(
        new Transform({
          transform(chunk: Buffer, _encoding, done) {
            hash.update(chunk);
            bytes += chunk.length;
            done(null, chunk);
          },
        }),
      );
      await new Upload({ client, params: { Bucket: job.toBucket, Key: key, Body: body } }).done();
      const digest = hash.digest('hex');
      if (digest !== sha256)
        throw new Error(`${key}: read ${digest.slice(0, 12)}…, expected ${sha256.slice(0, 12)}…`);
      if (job.readBack) {
        const back = await client.send(new GetObjectCommand({ Bucket: job.toBucket, Key: key }));
        const again = createHash('sha256');
        await pipeline(back.Body as Readable, again);
        if (again.digest('hex') !== sha256) throw new Error(`${key}: read back differs`);
      }
    });
    return { seconds: Number(process.hrtime.bigint() - started) / 1e9, bytes };
  } finally {
    client.destroy();
  }
}

// Run as a child process of its own (as the pipeline's copy runs in the destination's worker, not in the
// process that serves s3rver): prints the result as JSON.
if (require.main === module) {
  sdkCopy(JSON.parse(process.argv[2]) as SdkCopyJob)
    .then((result) => console.log(JSON.stringify(result)))
    .catch((err: Error) => {
      console.error(`sdk-copy failed: ${err.message}`);
      process.exit(1);
    });
}
