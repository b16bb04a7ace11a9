import { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { recreateDatabase } from './database';
import { cli, freePort, ROOT, startApp, stop, waitForHttp } from './processes';

export interface Stack {
  databaseUrl: string;
  baseUrl: string;
  token: string;
  env: NodeJS.ProcessEnv;
  api: ChildProcess;
  stop(): Promise<void>;
}

export interface StackOptions {
  database: string;
  dataRoot: string;
  /** Print what each step did (the demo); a benchmark keeps quiet. */
  say?: (text: string) => void;
  env?: NodeJS.ProcessEnv;
  /** Leave what is in dataRoot (a benchmark writes its night before the clock starts). */
  keepDataRoot?: boolean;
  /** Where the API writes its log (api.log), if anywhere. */
  logDir?: string;
}

const SERVER_URL = process.env.DEMO_DATABASE_SERVER_URL ?? 'postgres://postgres@127.0.0.1:5432';

/**
 * A fresh database, migrated, with the demo topology and an instrument token, and the built API running
 * on a free port: what the demo and the benchmarks start from.
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  const say = options.say ?? (() => undefined);
  const databaseUrl = await recreateDatabase(SERVER_URL, options.database);
  const port = await freePort();
  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    CCAT_DATA_ROOT: options.dataRoot,
    API_PORT: String(port),
    ...options.env,
  };
  say(`created database ${databaseUrl}`);
  say(cli(['migrate'], env).trimEnd());
  if (!options.keepDataRoot) rmSync(options.dataRoot, { recursive: true, force: true });
  say(cli(['topology', 'apply', join(ROOT, 'config', 'topology.demo.yaml')], env).trimEnd());
  const token = cli(
    ['token', 'create', '--name', 'demo-instrument', '--scopes', 'ingest,read', '--quiet'],
    env,
  ).trim();
  say(`created API token demo-instrument (scopes ingest, read): ${token.slice(0, 18)}…`);
  const api = startApp('api', env, [], options.logDir && join(options.logDir, 'api.log'));
  const baseUrl = `http://127.0.0.1:${port}`;
  // Generous: on a loaded machine (CI, the chaos run beside other tests) the API can take many seconds to boot.
  await waitForHttp(`${baseUrl}/health`, 60_000).catch(async (err) => {
    await stop(api);
    throw err;
  });
  say(`API listening on ${baseUrl} (OpenAPI at ${baseUrl}/api/docs)`);
  return { databaseUrl, baseUrl, token, env, api, stop: () => stop(api) };
}
