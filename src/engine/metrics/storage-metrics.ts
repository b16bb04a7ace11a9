import { Counter } from 'prom-client';
import { Readable, Transform, TransformCallback } from 'node:stream';
import { metricsRegistry } from './metrics-registry';

export type StorageBackendKind = 'disk' | 's3';

/**
 * Every byte our storage backends read or write, by backend: the disk passes a byte costs (bench/pipeline
 * divides them by the new bytes and the archive sites) and what a site's disks carry. Reads for hashing
 * (verification, fixity, the consistency check) count as reads: they are disk passes too.
 */
export const storageBytes = new Counter({
  name: 'ccat_storage_bytes_total',
  help: 'Bytes read and written by the storage backends (disk, s3), verification reads included',
  labelNames: ['backend', 'direction'] as const,
  registers: [metricsRegistry],
});

export function countWritten(backend: StorageBackendKind, bytes: number): void {
  if (bytes > 0) storageBytes.inc({ backend, direction: 'write' }, bytes);
}

export function countReadBytes(backend: StorageBackendKind, bytes: number): void {
  if (bytes > 0) storageBytes.inc({ backend, direction: 'read' }, bytes);
}

/** A file read stream counts itself when it closes (fs.ReadStream keeps bytesRead): no extra stream hop. */
export function countFileRead<T extends Readable & { bytesRead: number }>(stream: T): T {
  stream.once('close', () => countReadBytes('disk', stream.bytesRead));
  return stream;
}

/** Passes the stream through, counting what is read from it once it ends or is destroyed. */
export function countRead(backend: StorageBackendKind, source: Readable): Readable {
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  const settle = () => {
    countReadBytes(backend, bytes);
    bytes = 0;
  };
  counter.once('close', settle);
  source.once('error', (err) => counter.destroy(err));
  counter.once('close', () => {
    if (!source.destroyed) source.destroy();
  });
  return source.pipe(counter);
}
