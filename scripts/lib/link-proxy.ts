import { createConnection, createServer, Server, Socket } from 'node:net';

export interface LinkProxy {
  port: number;
  /** Bytes the origin sent towards the client, through the proxy, headers included. */
  bytesFromOrigin(): number;
  cuts(): number;
  close(): Promise<void>;
}

export interface LinkOptions {
  /** Cut a connection once this many bytes came back through it (for the first `cutCount` cuts). */
  cutAfterBytes?: number;
  cutCount?: number;
  /** The link goes down for good once this many bytes came through in all: every connection is cut. */
  downAfterBytes?: number;
  /** Round-trip time added by the link: half on the way out, half on the way back. */
  rttMs?: number;
  /**
   * A TCP window: at most this many bytes of one connection are unacknowledged at a time, and a byte is
   * acknowledged one round trip after it left. This is what limits one stream over a long fat link to
   * window / RTT, however fast the link is, and what parallel streams get around.
   */
  windowBytes?: number;
}

/**
 * A TCP proxy in front of an origin port standing in for the long link out of the observatory: it adds a
 * round-trip time and a per-connection window, cuts connections mid-stream (a connection is destroyed once
 * `cutAfterBytes` came back through it, until `cutCount` were cut) or takes the link down, and counts the
 * bytes the origin sent.
 */
export async function startLinkProxy(originPort: number, options: LinkOptions = {}): Promise<LinkProxy> {
  let fromOrigin = 0;
  let cuts = 0;
  const oneWay = (options.rttMs ?? 0) / 2;
  const later = (fn: () => void, ms: number) => (ms > 0 ? setTimeout(fn, ms) : fn());
  const sockets = new Set<Socket>();
  const down = () => fromOrigin >= (options.downAfterBytes ?? Infinity);
  const server: Server = createServer((client) => {
    if (down()) {
      client.destroy();
      return;
    }
    const origin = createConnection({ host: '127.0.0.1', port: originPort });
    sockets.add(client).add(origin);
    let sent = 0;
    let inFlight = 0;
    const end = () => {
      client.destroy();
      origin.destroy();
    };
    client.on('data', (d) => later(() => origin.write(d), oneWay));
    origin.on('data', (d: Buffer) => {
      fromOrigin += d.length;
      sent += d.length;
      inFlight += d.length;
      later(() => client.write(d), oneWay);
      if (options.windowBytes && inFlight >= options.windowBytes) origin.pause();
      later(() => {
        inFlight -= d.length;
        if (options.windowBytes && inFlight < options.windowBytes) origin.resume();
      }, options.rttMs ?? 0);
      if (client.destroyed) return;
      if (down() || (cuts < (options.cutCount ?? 0) && sent >= (options.cutAfterBytes ?? Infinity))) {
        cuts++;
        end();
      }
    });
    client.on('error', end).on('close', end);
    origin.on('error', end).on('close', () => later(end, oneWay));
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
