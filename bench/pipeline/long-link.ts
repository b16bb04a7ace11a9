import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiskStorage } from '../../src/engine/storage/disk-storage';
import { Bandwidth } from '../../src/pipeline/transfer/http/bandwidth';
import { pullInRanges } from '../../src/pipeline/transfer/http/http-pull';
import { startLinkProxy } from '../../scripts/lib/link-proxy';
import { startApp, stop, waitForHttp } from '../../scripts/lib/processes';
import { allocateSitePorts, createTransferToken, dataUrlEnv } from '../../scripts/lib/site-workers';
import { startStack } from '../../scripts/lib/stack';

export interface LinkResult {
  streams: number;
  through: 'direct' | 'long link';
  seconds: number;
  mibPerSecond: number;
}

/**
 * One large file pulled from the ccat worker's data port with the production pull (parallel ranges,
 * resumable, SHA-256 verified), directly and through a proxy that models the long link: `rttMs` of round
 * trip and a `windowBytes` TCP window per connection, which caps one stream at window / RTT.
 */
export async function benchLongLink(options: {
  bytes: number;
  rttMs: number;
  windowBytes: number;
  streams: number[];
}): Promise<LinkResult[]> {
  const base = mkdtempSync(join(tmpdir(), 'ccat-bench-link-'));
  const ports = await allocateSitePorts();
  const stack = await startStack({
    database: 'ccat_bench_link',
    dataRoot: base,
    env: { LOG_LEVEL: 'warn', ...dataUrlEnv(ports) },
  });
  const token = createTransferToken(stack.env);
  const port = ports.get('ccat')!;
  const worker = startApp('worker', { ...stack.env, WORKER_HTTP_PORT: String(port) }, ['--site', 'ccat']);
  const results: LinkResult[] = [];
  try {
    await waitForHttp(`http://127.0.0.1:${port}/health`);
    const path = 'transfer/long-link.bin';
    const bytes = randomBytes(options.bytes);
    mkdirSync(join(base, 'ccat', 'buffer', 'transfer'), { recursive: true });
    writeFileSync(join(base, 'ccat', 'buffer', path), bytes);
    const expected = { size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
    for (const through of ['direct', 'long link'] as const) {
      for (const streams of options.streams) {
        const proxy =
          through === 'long link'
            ? await startLinkProxy(port, { rttMs: options.rttMs, windowBytes: options.windowBytes })
            : undefined;
        const target = new DiskStorage(mkdtempSync(join(base, 'dest-')));
        const started = process.hrtime.bigint();
        const { digest } = await pullInRanges({
          url: `http://127.0.0.1:${proxy?.port ?? port}/data/ccat/buffer/${path}`,
          token,
          expected,
          into: await target.openResumable(path, bytes.length, streams),
          bandwidth: new Bandwidth(0),
        });
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        await proxy?.close();
        if (digest.sha256 !== expected.sha256) throw new Error('long-link pull: checksum differs');
        results.push({ streams, through, seconds, mibPerSecond: bytes.length / 1024 ** 2 / seconds });
      }
    }
  } finally {
    await stop(worker);
    await stack.stop();
    rmSync(base, { recursive: true, force: true });
  }
  return results;
}
