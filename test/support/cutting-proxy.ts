import { createConnection, createServer, Server, Socket } from 'node:net';

export interface CuttingProxy {
  port: number;
  /** Bytes the origin sent towards the client, through the proxy, headers included. */
  bytesFromOrigin(): number;
  cuts(): number;
  close(): Promise<void>;
}

/**
 * A TCP proxy in front of an origin port that cuts connections mid-stream: each of the first `cutCount`
 * connections is destroyed once `cutAfterBytes` have come back through it. Optionally adds latency to
 * every chunk from the origin (a long link). Counts what the origin sent.
 */
export async function startCuttingProxy(
  originPort: number,
  options: { cutAfterBytes?: number; cutCount?: number; latencyMs?: number } = {},
): Promise<CuttingProxy> {
  let fromOrigin = 0;
  let cuts = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const origin = createConnection({ host: '127.0.0.1', port: originPort });
    sockets.add(client).add(origin);
    let sent = 0;
    const cutHere = cuts < (options.cutCount ?? 0);
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
      if (cutHere && sent >= (options.cutAfterBytes ?? Infinity) && !client.destroyed) {
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
