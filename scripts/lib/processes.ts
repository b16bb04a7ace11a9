import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';

/** The repository: the nearest folder above with a package.json, from dist/scripts/lib and from scripts/lib (ts-jest). */
export const ROOT = (function repositoryRoot(dir: string): string {
  return existsSync(join(dir, 'package.json')) || dirname(dir) === dir ? dir : repositoryRoot(dirname(dir));
})(__dirname);
const CLI = join(ROOT, 'bin', 'ccat-dt.js');

/** Runs the built CLI and returns its output; throws with that output if it fails. */
export function cli(args: string[], env: NodeJS.ProcessEnv): string {
  const result = spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`ccat-dt ${args.join(' ')} failed (${result.status}):\n${result.stdout}${result.stderr}`);
  }
  return result.stdout;
}

/**
 * Runs the built CLI without blocking this process (a command that talks to something this process serves,
 * such as the demo's s3rver, would otherwise wait for it for ever); never throws on a non-zero exit.
 */
export function cliAsync(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts a built app (`dist/apps/<name>/main.js`) as a child process. Its output goes to `logFile` when
 * given, and to the console, prefixed, with DEMO_VERBOSE set.
 */
export function startApp(
  name: 'api' | 'worker',
  env: NodeJS.ProcessEnv,
  args: string[] = [],
  logFile?: string,
): ChildProcess {
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'apps', name, 'main.js'), ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = logFile ? createWriteStream(logFile, { flags: 'a' }) : undefined;
  child.once('exit', () => log?.end());
  const forward = (stream: NodeJS.ReadableStream | null, sink: NodeJS.WriteStream) =>
    stream?.on('data', (chunk: Buffer) => {
      log?.write(chunk);
      if (env.DEMO_VERBOSE) sink.write(`[${name}] ${chunk}`);
    });
  forward(child.stdout, process.stdout);
  forward(child.stderr, process.stderr);
  return child;
}

export async function waitForHttp(url: string, timeoutMs = 20000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.status < 500 || res.status === 503) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

export async function stop(child: ChildProcess | undefined): Promise<void> {
  // A child killed by a signal has no exit code but a signal code: both mean it is gone.
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
}
