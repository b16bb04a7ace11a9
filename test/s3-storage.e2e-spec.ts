import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ConfigService } from '@nestjs/config';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { DataLocation } from '../src/catalog/locations/data-location.entity';
import { LocationType, StorageType } from '../src/catalog/locations/location-type';
import { S3Storage } from '../src/engine/storage/s3-storage';
import { StorageService } from '../src/engine/storage/storage.service';
import {
  ChecksumMismatchError,
  IncompleteObjectError,
  ObjectConflictError,
  UnsafePathError,
} from '../src/engine/storage/storage-errors';
import { S3Server, startS3Server } from '../scripts/lib/s3-server';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const MiB = 1024 * 1024;

/** Streams `size` random-looking bytes in 1 MiB chunks, never holding them all. */
function generated(size: number, seed = 1): { stream: () => Readable; sha256: string } {
  const chunk = createHash('sha512').update(String(seed)).digest();
  const block = Buffer.concat(Array.from({ length: MiB / chunk.length }, () => chunk));
  const hash = createHash('sha256');
  for (let left = size; left > 0; left -= MiB) hash.update(block.subarray(0, Math.min(MiB, left)));
  return {
    sha256: hash.digest('hex'),
    stream: () =>
      Readable.from(
        (function* () {
          for (let left = size; left > 0; left -= MiB) yield block.subarray(0, Math.min(MiB, left));
        })(),
      ),
  };
}

describe('S3Storage against a real S3 server (s3rver)', () => {
  let s3: S3Server;
  let storage: S3Storage;
  let client: S3Client;

  beforeAll(async () => {
    s3 = await startS3Server(['ccat-test-lta']);
    client = new S3Client({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: s3.credentials,
    });
    storage = new S3Storage({
      bucket: 'ccat-test-lta',
      prefix: 'archive/',
      endpoint: s3.endpoint,
      ...s3.credentials,
    });
  });
  afterAll(async () => {
    client.destroy();
    await s3.stop();
  });

  it('uploads, records the checksum with the object, and reads back the same bytes', async () => {
    const bytes = randomBytes(300 * 1024);
    const digest = await storage.write('pkg/a.tar', Readable.from([bytes]), {
      size: bytes.length,
      sha256: sha256(bytes),
    });
    expect(digest).toEqual({ size: bytes.length, sha256: sha256(bytes) });
    expect(await storage.stat('pkg/a.tar')).toEqual({ size: bytes.length, sha256: sha256(bytes) });
    expect((await buffer(await storage.read('pkg/a.tar'))).equals(bytes)).toBe(true);
    expect(await storage.digest('pkg/a.tar')).toEqual(digest);
    expect(
      (await buffer(await storage.read('pkg/a.tar', { start: 10, end: 19 }))).equals(bytes.subarray(10, 20)),
    ).toBe(true);
    const listed = await client.send(new ListObjectsV2Command({ Bucket: 'ccat-test-lta' }));
    expect(listed.Contents?.map((o) => o.Key)).toContain('archive/pkg/a.tar');
  });

  it('streams a 40 MiB multipart upload and verifies it by reading it back', async () => {
    const big = generated(40 * MiB, 7);
    const digest = await storage.write('pkg/big.tar', big.stream(), { size: 40 * MiB, sha256: big.sha256 });
    expect(digest.sha256).toBe(big.sha256);
    expect(await storage.digest('pkg/big.tar')).toEqual({ size: 40 * MiB, sha256: big.sha256 });
  });

  it('never completes an upload whose bytes do not match, small or multipart', async () => {
    const small = randomBytes(1000);
    await expect(
      storage.write('bad/small.tar', Readable.from([small]), {
        size: 1000,
        sha256: sha256(Buffer.from('other')),
      }),
    ).rejects.toBeInstanceOf(ChecksumMismatchError);
    expect(await storage.stat('bad/small.tar')).toBeNull();

    const big = generated(36 * MiB, 3);
    await expect(
      storage.write('bad/big.tar', big.stream(), { size: 36 * MiB, sha256: generated(36 * MiB, 4).sha256 }),
    ).rejects.toBeInstanceOf(ChecksumMismatchError);
    expect(await storage.stat('bad/big.tar')).toBeNull();
  });

  it('treats a second upload of the same content as done, and refuses to overwrite with other bytes', async () => {
    const bytes = randomBytes(5000);
    const expected = { size: bytes.length, sha256: sha256(bytes) };
    await storage.write('once/p.tar', Readable.from([bytes]), expected);
    await expect(storage.write('once/p.tar', Readable.from([bytes]), expected)).resolves.toEqual(expected);
    const other = randomBytes(5000);
    await expect(
      storage.write('once/p.tar', Readable.from([other]), { size: other.length, sha256: sha256(other) }),
    ).rejects.toBeInstanceOf(ObjectConflictError);
    expect((await buffer(await storage.read('once/p.tar'))).equals(bytes)).toBe(true);
  });

  // Found by the chaos run: a worker killed mid-PUT leaves, on s3rver, the key holding 0 bytes without
  // metadata; every retry took it for an archived object with other bytes and the archive work was stuck.
  it('uploads over the remnant of a cut-off upload (shorter, no sha256), and reads the object back whole', async () => {
    await client.send(
      new PutObjectCommand({ Bucket: 'ccat-test-lta', Key: 'archive/cutoff/p.tar', Body: '' }),
    );
    const bytes = randomBytes(5000);
    const expected = { size: bytes.length, sha256: sha256(bytes) };
    await expect(storage.write('cutoff/p.tar', Readable.from([bytes]), expected)).resolves.toEqual(expected);
    expect(await storage.stat('cutoff/p.tar')).toEqual(expected);
    expect((await buffer(await storage.read('cutoff/p.tar'))).equals(bytes)).toBe(true);
  });

  it('never uploads over an object as large as its own without a sha256: retryable, not a conflict', async () => {
    const theirs = randomBytes(5000);
    await client.send(
      new PutObjectCommand({ Bucket: 'ccat-test-lta', Key: 'archive/nometa/p.tar', Body: theirs }),
    );
    const bytes = randomBytes(5000);
    const refused = await storage
      .write('nometa/p.tar', Readable.from([bytes]), { size: bytes.length, sha256: sha256(bytes) })
      .catch((e) => e);
    expect(refused).toBeInstanceOf(IncompleteObjectError);
    expect((refused as IncompleteObjectError).retryable).toBe(true);
    expect((await buffer(await storage.read('nometa/p.tar'))).equals(theirs)).toBe(true);
  });

  it('refuses unsafe keys and writes that do not name their checksum', async () => {
    await expect(
      storage.write('../escape', Readable.from([Buffer.from('x')]), { sha256: 'a'.repeat(64) }),
    ).rejects.toBeInstanceOf(UnsafePathError);
    await expect(storage.write('x', Readable.from([Buffer.from('x')]))).rejects.toThrow(
      /must name its SHA-256/,
    );
    expect(await storage.stat('missing/object')).toBeNull();
  });

  describe('StorageService on an S3 location', () => {
    const location = (): DataLocation =>
      Object.assign(new DataLocation(), {
        id: 1,
        name: 'lta',
        locationType: LocationType.LONG_TERM_ARCHIVE,
        storageType: StorageType.S3,
        rootPath: null,
        s3Endpoint: s3.endpoint,
        s3Bucket: 'ccat-test-lta',
        s3Prefix: 'svc/',
        s3Region: 'us-east-1',
        s3AccessKeyEnv: 'TEST_LTA_S3_ACCESS_KEY',
        s3SecretKeyEnv: 'TEST_LTA_S3_SECRET_KEY',
        s3AllowInsecureHttp: true,
      });
    const service = (verify: 'readback' | 'metadata') =>
      new StorageService(new ConfigService({ LTA_VERIFY: verify }));

    beforeAll(() =>
      Object.assign(process.env, { TEST_LTA_S3_ACCESS_KEY: 'S3RVER', TEST_LTA_S3_SECRET_KEY: 'S3RVER' }),
    );

    it('proves a copy by reading it back, and catches bytes that rotted behind intact metadata', async () => {
      const bytes = randomBytes(4096);
      const expected = { size: bytes.length, sha256: sha256(bytes) };
      const storage = service('readback').backendFor(location());
      await storage.write('p.tar', Readable.from([bytes]), expected);
      await expect(service('readback').verify(location(), 'p.tar', expected)).resolves.toEqual(expected);

      // Same size, same metadata, other bytes: what a bad disk under an object store looks like.
      const rotten = Buffer.from(bytes);
      rotten[100] ^= 0xff;
      await client.send(
        new PutObjectCommand({
          Bucket: 'ccat-test-lta',
          Key: 'svc/p.tar',
          Body: rotten,
          Metadata: { sha256: expected.sha256 },
        }),
      );
      await expect(service('readback').verify(location(), 'p.tar', expected)).rejects.toBeInstanceOf(
        ChecksumMismatchError,
      );
      await expect(service('metadata').verify(location(), 'p.tar', expected)).resolves.toEqual(expected);
    });

    it('names the missing environment variable of a credential', () => {
      const loc = Object.assign(location(), { s3AccessKeyEnv: 'NOT_SET_ANYWHERE_S3_ACCESS_KEY' });
      expect(() => service('readback').backendFor(loc)).toThrow(/NOT_SET_ANYWHERE_S3_ACCESS_KEY/);
    });

    it.each<[string, Partial<DataLocation>, RegExp]>([
      [
        'another setting named as a credential',
        { s3AccessKeyEnv: 'DATABASE_URL' },
        /must be named by variables matching/,
      ],
      [
        'no credentials (the SDK default chain)',
        { s3AccessKeyEnv: null, s3SecretKeyEnv: null },
        /none named/,
      ],
      [
        'a plain http endpoint not allowed',
        { s3AllowInsecureHttp: false },
        /plain http: credentials and bytes would travel in clear/,
      ],
    ])('refuses %s before a request is signed', (_what, change, message) => {
      process.env.DATABASE_URL ??= 'postgres://user:secret@127.0.0.1/x';
      expect(() => service('readback').backendFor(Object.assign(location(), change))).toThrow(message);
    });
  });
});
