import { ChildProcess } from 'node:child_process';
import { freePort, stop, waitForHttp } from '../processes';
import { startWorkerProcess, TransferTokens } from '../site-workers';

/**
 * The worker processes of a chaos run by name (`ccat`, `cologne`, `us`, `managers-1`, ...), each on a port
 * that stays its own across restarts (a site's buffer is published at its worker's port).
 */
export class Fleet {
  private readonly running = new Map<string, ChildProcess>();
  readonly kills = new Map<string, number>();
  readonly restarts = new Map<string, number>();
  /** Processes that exited though nobody killed them (a crash, a crash loop): the run reports each. */
  readonly crashes: string[] = [];
  private readonly killed = new Set<ChildProcess>();
  private stopping = false;

  private constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly ports: Map<string, number>,
    private readonly transferTokens: TransferTokens,
    private readonly logDir: string,
  ) {}

  /** Starts every process (site workers on `sitePorts`, `managers` managers on free ports). */
  static async start(
    env: NodeJS.ProcessEnv,
    sitePorts: Map<string, number>,
    managers: number,
    transferTokens: TransferTokens,
    logDir: string,
  ): Promise<Fleet> {
    const ports = new Map(sitePorts);
    for (let i = 1; i <= managers; i++) ports.set(`managers-${i}`, await freePort());
    const fleet = new Fleet(env, ports, transferTokens, logDir);
    for (const name of ports.keys()) fleet.launch(name);
    await Promise.all([...ports.values()].map((p) => waitForHttp(`http://127.0.0.1:${p}/health`, 120_000)));
    return fleet;
  }

  get names(): string[] {
    return [...this.ports.keys()];
  }

  isUp(name: string): boolean {
    const child = this.running.get(name);
    return Boolean(child && child.exitCode === null && child.signalCode === null);
  }

  /** SIGKILL, no goodbye: whatever it held in flight is left as a crash leaves it. */
  async kill(name: string): Promise<void> {
    const child = this.running.get(name);
    if (!child || !this.isUp(name)) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    this.killed.add(child);
    child.kill('SIGKILL');
    await exited;
    this.kills.set(name, (this.kills.get(name) ?? 0) + 1);
  }

  restart(name: string): void {
    if (this.isUp(name)) return;
    this.launch(name);
    this.restarts.set(name, (this.restarts.get(name) ?? 0) + 1);
  }

  /** Starts whatever is down (after the last fault) and waits until every process answers. */
  async allUp(): Promise<void> {
    for (const name of this.names) if (!this.isUp(name)) this.restart(name);
    await Promise.all(
      [...this.ports.values()].map((p) => waitForHttp(`http://127.0.0.1:${p}/health`, 120_000)),
    );
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.running.values()].map((child) => stop(child)));
  }

  private launch(name: string): void {
    const child = startWorkerProcess(this.env, name, this.ports.get(name)!, this.transferTokens, this.logDir);
    this.running.set(name, child);
    // A supervisor's part (systemd's Restart=always): note the crash, start it again a second later.
    child.once('exit', (code, signal) => {
      if (this.killed.has(child) || this.stopping) return;
      this.crashes.push(
        `${name} exited by itself (${signal ?? `code ${code}`}) at ${new Date().toISOString()}`,
      );
      setTimeout(() => this.running.get(name) === child && !this.stopping && this.launch(name), 1000);
    });
  }
}
