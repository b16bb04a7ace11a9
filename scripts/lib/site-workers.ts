import { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { cli, freePort, startApp, stop, waitForHttp } from './processes';

export const SITES = ['ccat', 'cologne', 'us'];

/**
 * The ports the site workers will listen on, chosen before the topology is applied: each site's buffer is
 * published at its worker's data port (`dataUrl`), which is what makes transfers between sites `http`.
 */
export async function allocateSitePorts(): Promise<Map<string, number>> {
  const ports = new Map<string, number>();
  for (const site of SITES) ports.set(site, await freePort());
  return ports;
}

/** CCAT_BUFFER_DATA_URL and the like, as config/topology.demo.yaml reads them. */
export function dataUrlEnv(ports: Map<string, number>): Record<string, string> {
  return Object.fromEntries(
    [...ports].map(([site, port]) => [
      `${site.toUpperCase()}_BUFFER_DATA_URL`,
      `http://127.0.0.1:${port}/data/${site}/buffer`,
    ]),
  );
}

/**
 * COLOGNE_LTA_DATA_URL and US_LTA_DATA_URL: each archive site's worker serves its archived packages to the
 * other archive site (archive-to-archive replication), on the same data port as its buffer.
 */
export function archiveDataUrlEnv(ports: Map<string, number>): Record<string, string> {
  return Object.fromEntries(
    ['cologne', 'us'].map((site) => [
      `${site.toUpperCase()}_LTA_DATA_URL`,
      `http://127.0.0.1:${ports.get(site)}/data/${site}/lta`,
    ]),
  );
}

/**
 * Every worker here is on this one host and its data port is plain http on 127.0.0.1: nothing crosses a
 * network, so the workers may send their transfer token in clear (refused otherwise; see operations.md).
 */
export const INSECURE_ON_ONE_HOST = { TRANSFER_ALLOW_INSECURE: 'true' };

/** A token with the transfer scope only, bound to no site (a bench that pulls a path no work names). */
export function createTransferToken(env: NodeJS.ProcessEnv): string {
  return cli(['token', 'create', '--name', 'site-workers', '--scopes', 'transfer', '--quiet'], env).trim();
}

/** Each site's transfer token, by site: what that site's workers present to the others' data ports. */
export type TransferTokens = Map<string, string>;

/**
 * One transfer token per site, bound to it (`--site`), as a deployment gives them: a site's workers read
 * from the others' data ports only what open work bound for their own site reads.
 */
export function createTransferTokens(env: NodeJS.ProcessEnv): TransferTokens {
  return new Map(
    SITES.map((site) => [
      site,
      cli(
        ['token', 'create', '--name', `transfer-${site}`, '--scopes', 'transfer', '--site', site, '--quiet'],
        env,
      ).trim(),
    ]),
  );
}

/**
 * One worker process: a site's (`name` a site, on the port its buffer's data URL names) or a managers
 * process (`name` starting with `managers`). Its output goes to `worker-<name>.log` in `logDir`.
 */
export function startWorkerProcess(
  env: NodeJS.ProcessEnv,
  name: string,
  port: number,
  transferTokens: TransferTokens,
  logDir?: string,
): ChildProcess {
  // A site's worker sends its own site's token; the managers pull nothing.
  const token = transferTokens.get(name);
  const args = name.startsWith('managers') ? ['--role', 'managers'] : ['--site', name];
  const log = logDir && join(logDir, `worker-${name}.log`);
  return startApp(
    'worker',
    {
      ...env,
      WORKER_HTTP_PORT: String(port),
      ...(token ? { TRANSFER_TOKEN: token } : {}),
      ...INSECURE_ON_ONE_HOST,
    },
    args,
    log,
  );
}

/**
 * One worker process per site, on the ports its data URL names, and one managers process; resolves once
 * every one answers on /health.
 */
export async function startSiteWorkers(
  env: NodeJS.ProcessEnv,
  ports: Map<string, number>,
  transferTokens: TransferTokens,
  logDir?: string,
): Promise<ChildProcess[]> {
  const all = new Map([...ports, ['managers', await freePort()]]);
  const started = [...all].map(([name, port]) => startWorkerProcess(env, name, port, transferTokens, logDir));
  try {
    await Promise.all([...all.values()].map((p) => waitForHttp(`http://127.0.0.1:${p}/health`)));
  } catch (err) {
    await Promise.all(started.map((w) => stop(w)));
    throw err;
  }
  return started;
}
