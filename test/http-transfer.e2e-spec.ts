import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { get as httpsGet } from 'node:https';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { PROTOCOL_HEADER, RELEASE, RELEASE_HEADER, TRANSFER_PROTOCOL } from '../src/engine/release/release';
import { typeOrmOptions } from '../src/database/typeorm-options';
import { TokenScope } from '../src/engine/auth/api-token.entity';
import { DiskStorage } from '../src/engine/storage/disk-storage';
import { Bandwidth } from '../src/pipeline/transfer/http/bandwidth';
import { pullInRanges } from '../src/pipeline/transfer/http/http-pull';
import { startLinkProxy } from '../scripts/lib/link-proxy';
import { createToken } from './support/factories';
import {
  applyDemoTopology,
  redisNamespace,
  RedisNamespace,
  RunningProcess,
  startCcatBufferWorker,
  startWorker,
  waitFor,
} from './support/processes';
import { createTestDatabase, TestDatabase } from './support/test-database';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const MiB = 1024 * 1024;
const PATH = 'transfer/bundle_1.tar';

/** Transfer method http against a real worker process serving the ccat buffer on its port. */
describe('http transfers from a worker data port (real process, PostgreSQL, Redis, disk)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let ns: RedisNamespace;
  let dataRoot: string;
  let destination: string;
  let worker: RunningProcess;
  let transferToken: string;
  let readToken: string;
  const bytes = randomBytes(24 * MiB);
  const url = (port: number) => `http://127.0.0.1:${port}/data/ccat/buffer/${PATH}`;

  beforeAll(async () => {
    db = await createTestDatabase();
    ({ dataRoot } = applyDemoTopology(db.url));
    ds = await new DataSource(typeOrmOptions(db.url)).initialize();
    ns = redisNamespace();
    destination = mkdtempSync(join(tmpdir(), 'ccat-dest-'));
    mkdirSync(join(dataRoot, 'ccat', 'buffer', 'transfer'), { recursive: true });
    writeFileSync(join(dataRoot, 'ccat', 'buffer', PATH), bytes);
    // The buffer is published at the worker's port: the topology says so, and transfers become http.
    worker = await startCcatBufferWorker(db.url, dataRoot, ns.env);
    transferToken = await createToken(ds, [TokenScope.TRANSFER]);
    readToken = await createToken(ds, [TokenScope.READ]);
  }, 60_000);

  afterAll(async () => {
    await worker?.stop('SIGKILL');
    await ds?.destroy();
    await db?.drop();
    await ns?.cleanup();
    rmSync(dataRoot, { recursive: true, force: true });
    rmSync(destination, { recursive: true, force: true });
  });

  it('records the data URL, and refuses a missing, wrong or non-transfer token', async () => {
    const [buffer] = await ds.query(`SELECT data_url FROM data_location WHERE name = 'buffer' AND site_id =
      (SELECT id FROM site WHERE short_name = 'ccat')`);
    expect(buffer.data_url).toBe(`http://127.0.0.1:${worker.port}/data/ccat/buffer`);
    const get = (token?: string) =>
      fetch(url(worker.port), { headers: token ? { Authorization: `Bearer ${token}` } : {} });
    expect((await get()).status).toBe(401);
    expect((await get('ccat_000000000000_' + 'x'.repeat(43))).status).toBe(401);
    const forbidden = await get(readToken);
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toMatchObject({
      message: expect.stringMatching(/lacks the transfer scope/),
    });
    const outside = await fetch(`http://127.0.0.1:${worker.port}/data/ccat/telescope_computer/x`, {
      headers: { Authorization: `Bearer ${transferToken}` },
    });
    expect(outside.status).toBe(404);
    const range = await fetch(url(worker.port), {
      headers: { Authorization: `Bearer ${transferToken}`, Range: 'bytes=1000-1999' },
    });
    expect(range.status).toBe(206);
    expect(range.headers.get('content-range')).toBe(`bytes 1000-1999/${bytes.length}`);
    expect(Buffer.from(await range.arrayBuffer()).equals(bytes.subarray(1000, 2000))).toBe(true);
  });

  it('exchanges the protocol version with a puller: a pair that cannot work together refuses with both versions named, before a byte moves', async () => {
    const auth = { Authorization: `Bearer ${transferToken}` };
    const current = await fetch(url(worker.port), { headers: { ...auth, Range: 'bytes=0-9' } });
    expect(current.status).toBe(206);
    expect(current.headers.get(PROTOCOL_HEADER)).toBe(String(TRANSFER_PROTOCOL));
    expect(current.headers.get(RELEASE_HEADER)).toBe(RELEASE);
    // A puller of a later, incompatible release.
    const future = await fetch(url(worker.port), {
      headers: { ...auth, [PROTOCOL_HEADER]: String(TRANSFER_PROTOCOL + 1), [RELEASE_HEADER]: '9.0.0' },
    });
    expect(future.status).toBe(409);
    expect(((await future.json()) as { message: string }).message).toMatch(
      new RegExp(
        `speaks protocol ${TRANSFER_PROTOCOL + 1} \\(release 9\\.0\\.0\\).*this worker speaks protocol ${TRANSFER_PROTOCOL}`,
      ),
    );
    // An origin of a later release: the pull is refused on its headers, nothing is written.
    const origin = createServer((_req, res) => {
      res.writeHead(206, { [PROTOCOL_HEADER]: String(TRANSFER_PROTOCOL + 1), [RELEASE_HEADER]: '9.0.0' });
      res.end(bytes.subarray(0, 10));
    });
    await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
    try {
      const port = (origin.address() as AddressInfo).port;
      const into = await new DiskStorage(destination).openResumable('refused.tar', bytes.length, 1);
      await expect(
        pullInRanges({
          url: `http://127.0.0.1:${port}/data/ccat/buffer/${PATH}`,
          token: transferToken,
          expected: { size: bytes.length, sha256: sha256(bytes) },
          into,
          bandwidth: new Bandwidth(0),
        }),
      ).rejects.toMatchObject({
        retryable: false,
        message: expect.stringMatching(
          /transfer protocol mismatch: 127\.0\.0\.1:\d+ speaks protocol \d+ \(release 9\.0\.0\)/,
        ),
      });
      expect(existsSync(join(destination, 'refused.tar'))).toBe(false);
    } finally {
      origin.close();
    }
  });

  it('completes a pull cut several times mid-stream, re-sending at most 10% of the file', async () => {
    const proxy = await startLinkProxy(worker.port, { cutAfterBytes: 3 * MiB, cutCount: 5 });
    try {
      const into = await new DiskStorage(destination).openResumable(PATH, bytes.length, 4);
      const { digest, received } = await pullInRanges({
        url: url(proxy.port),
        token: transferToken,
        expected: { size: bytes.length, sha256: sha256(bytes) },
        into,
        bandwidth: new Bandwidth(0),
      });
      expect(proxy.cuts()).toBe(5);
      expect(digest.sha256).toBe(sha256(bytes));
      expect(sha256(readFileSync(join(destination, PATH)))).toBe(sha256(bytes));
      expect(received).toBe(bytes.length);
      // What the worker sent (headers included) against the file: at most 10% more.
      expect(proxy.bytesFromOrigin()).toBeLessThanOrEqual(bytes.length * 1.1);
    } finally {
      await proxy.close();
    }
  });

  it('resumes another attempt from the pieces the first one checkpointed, and never keeps wrong bytes', async () => {
    const path = 'transfer/bundle_2.tar';
    writeFileSync(join(dataRoot, 'ccat', 'buffer', path), bytes);
    const target = new DiskStorage(destination);
    // A first attempt that dies: the link goes down for good after 10 MiB, and the stall limit is hit.
    const dying = await startLinkProxy(worker.port, { downAfterBytes: 10 * MiB });
    const request = (port: number) => ({
      url: `http://127.0.0.1:${port}/data/ccat/buffer/${path}`,
      token: transferToken,
      expected: { size: bytes.length, sha256: sha256(bytes) },
      bandwidth: new Bandwidth(0),
    });
    await expect(
      pullInRanges({
        ...request(dying.port),
        into: await target.openResumable(path, bytes.length, 1),
        maxStalls: 2,
      }),
    ).rejects.toThrow(/failed 2 times/);
    await dying.close();
    const second = await target.openResumable(path, bytes.length, 1);
    const held = second.bytesHeld;
    // What arrived before the link went down (up to its 10 MiB, less what was in flight) is kept.
    expect(held).toBeGreaterThan(MiB);
    const { received } = await pullInRanges({ ...request(worker.port), into: second });
    // Only what was not held already comes again.
    expect(received).toBe(bytes.length - held);
    expect(sha256(readFileSync(join(destination, path)))).toBe(sha256(bytes));

    // Pieces that are not what the origin holds are found at commit and discarded, never put in place.
    const third = 'transfer/bundle_3.tar';
    writeFileSync(join(dataRoot, 'ccat', 'buffer', third), bytes);
    const wrong = await target.openResumable(third, bytes.length, 1);
    await wrong.writeAt(wrong.segments[0], randomBytes(MiB));
    await wrong.checkpoint();
    await wrong.close();
    await expect(
      pullInRanges({
        ...request(worker.port),
        url: `http://127.0.0.1:${worker.port}/data/ccat/buffer/${third}`,
        into: await target.openResumable(third, bytes.length, 1),
      }),
    ).rejects.toThrow(/bytes differ/);
    expect(() => readFileSync(join(destination, third))).toThrow();
  });

  it('serves over TLS when given a certificate, and a pull trusts it only through the configured CA', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ccat-tls-'));
    const [cert, key] = [join(dir, 'cert.pem'), join(dir, 'key.pem')];
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { stdio: 'ignore' },
    );
    const ca = readFileSync(cert);
    const tlsWorker = await startWorker(['--site', 'ccat'], {
      DATABASE_URL: db.url,
      ...ns.env,
      CCAT_DATA_ROOT: dataRoot,
      WORKER_TLS_CERT: cert,
      WORKER_TLS_KEY: key,
    });
    try {
      const status = () =>
        new Promise<number>((resolve, reject) =>
          httpsGet(`https://127.0.0.1:${tlsWorker.port}/health`, { ca }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          }).on('error', reject),
        );
      await waitFor('the TLS worker to answer', status, 20_000);
      const path = 'transfer/bundle_tls.tar';
      writeFileSync(join(dataRoot, 'ccat', 'buffer', path), bytes);
      const request = {
        url: `https://127.0.0.1:${tlsWorker.port}/data/ccat/buffer/${path}`,
        token: transferToken,
        expected: { size: bytes.length, sha256: sha256(bytes) },
        bandwidth: new Bandwidth(0),
      };
      const target = new DiskStorage(destination);
      // Without the CA the self-signed certificate is refused, and nothing is put in place.
      await expect(
        pullInRanges({ ...request, into: await target.openResumable(path, bytes.length, 2), maxStalls: 1 }),
      ).rejects.toThrow(/self.signed certificate/);
      expect(() => readFileSync(join(destination, path))).toThrow();
      const { digest } = await pullInRanges({
        ...request,
        ca,
        into: await target.openResumable(path, bytes.length, 2),
      });
      expect(digest.sha256).toBe(sha256(bytes));
      expect(sha256(readFileSync(join(destination, path)))).toBe(sha256(bytes));
    } finally {
      await tlsWorker.stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
