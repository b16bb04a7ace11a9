import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort, waitFor } from './processes';
import type { RelayStatus } from '../../src/operations/site-relay/site-relay.service';

const ROOT = join(__dirname, '..', '..');

export interface SiteRelayProcess {
  url: string;
  pid: number;
  output(): string;
  status(): Promise<RelayStatus>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * The built api app in the site-relay role, with nothing but a journal directory, the central API's URL
 * and the relay token: no database or Redis settings it could lean on.
 */
export async function startSiteRelay(env: {
  SITE_RELAY_DIR: string;
  SITE_RELAY_CENTRAL_URL: string;
  SITE_RELAY_TOKEN: string;
  [key: string]: string;
}): Promise<SiteRelayProcess> {
  const port = await freePort();
  const { DATABASE_URL: _db, REDIS_URL: _redis, ...inherited } = process.env;
  const child = spawn(
    process.execPath,
    [join(ROOT, 'dist', 'apps', 'api', 'main.js'), '--role', 'site-relay'],
    {
      // Unreachable central services, so that the relay cannot be quietly using them.
      env: {
        ...inherited,
        DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
        REDIS_URL: 'redis://127.0.0.1:1',
        LOG_LEVEL: 'info',
        SITE_RELAY_MAX_BACKOFF: '2s',
        SITE_RELAY_REQUEST_TIMEOUT: '5s',
        ...env,
        API_PORT: String(port),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const status = async (): Promise<RelayStatus> => {
    const res = await fetch(`${url}/site-relay/status`, {
      headers: { authorization: `Bearer ${env.SITE_RELAY_TOKEN}` },
    });
    if (res.status !== 200) throw new Error(`status ${res.status}`);
    return (await res.json()) as RelayStatus;
  };
  try {
    // Generous: on a loaded 2-core machine a Nest app can take a while to start.
    await waitFor('the site relay to serve', () => status().then(() => true), 90_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}; it printed: ${output}`);
  }
  return {
    url,
    pid: child.pid!,
    output: () => output,
    status,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await exited;
    },
  };
}
