import { createConnection, createServer, Server, Socket } from 'node:net';

/**
 * A TCP proxy standing in for the link between the observatory and the central services, which a test can
 * sever: every open connection is destroyed and new ones are refused (as when the radio link drops), until
 * it is restored.
 */
export interface SeverableLink {
  port: number;
  /** `postgres://u@127.0.0.1:5432/db` -> the same URL through this link. */
  via(url: string): string;
  sever(): void;
  restore(): void;
  /** Connections refused while severed: shows the clients really tried. */
  refused(): number;
  close(): Promise<void>;
}

export async function startSeverableLink(originPort: number): Promise<SeverableLink> {
  const sockets = new Set<Socket>();
  let severed = false;
  let refused = 0;
  const server: Server = createServer((client) => {
    if (severed) {
      refused++;
      client.destroy();
      return;
    }
    const origin = createConnection({ host: '127.0.0.1', port: originPort });
    sockets.add(client).add(origin);
    const end = () => {
      client.destroy();
      origin.destroy();
      sockets.delete(client);
      sockets.delete(origin);
    };
    client.pipe(origin);
    origin.pipe(client);
    client.on('error', end).on('close', end);
    origin.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    via: (url) => {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    sever: () => {
      severed = true;
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    restore: () => {
      severed = false;
    },
    refused: () => refused,
    close: async () => {
      severed = true;
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
