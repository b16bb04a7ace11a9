import { createConnection, createServer, Server, Socket } from 'node:net';

export interface CuttingProxy {
  port: number;
  /** Bytes the origin sent towards the client, through the proxy, headers included. */
  bytesFromOrigin(): number;
  cuts(): number;
  close(): Promise<void>;
}

/**
 * A TCP proxy in front of an origin port that cuts connections mid-stream: a connection is destroyed once
 * `cutAfterBytes` have come back through it, until `cutCount` connections have been cut. Optionally adds latency to
 * every chunk from the origin (a long link). Counts what the origin sent.
 */
export async function startCuttingProxy(
  originPort: number,
  options: {
    /** Cut a connection once this many bytes came back through it (for the first `cutCount` cuts). */
    cutAfterBytes?: number;
    cutCount?: number;
    /** The link goes down for good once this many bytes came through in all: every connection is cut. */
    downAfterBytes?: number;
    latencyMs?: number;
  } = {},
): Promise<CuttingProxy> {
  let fromOrigin = 0;
  let cuts = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const down = () => fromOrigin >= (options.downAfterBytes ?? Infinity);
    if (down()) {
      client.destroy();
      return;
    }
    const origin = createConnection({ host: '127.0.0.1', port: originPort });
    sockets.add(client).add(origin);
    let sent = 0;
    const end = () => {
      client.destroy();
      origin.destroy();
    };
    client.on('data', (d) => origin.write(d));
    origin.on('data', (d: Buffer) => {
      fromOrigin += d.length;
      sent += d.length;
      const forward = () => client.write(d);
      if (options.latencyMs) setTimeout(forward, options.latencyMs);
      else forward();
      if (client.destroyed) return;
      if (down() || (cuts < (options.cutCount ?? 0) && sent >= (options.cutAfterBytes ?? Infinity))) {
        cuts++;
        end();
      }
    });
    client.on('error', end).on('close', end);
    origin
      .on('error', end)
      .on('close', () => (options.latencyMs ? setTimeout(end, options.latencyMs) : end()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    bytesFromOrigin: () => fromOrigin,
    cuts: () => cuts,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
