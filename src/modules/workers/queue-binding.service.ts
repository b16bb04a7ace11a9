import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Job, Worker } from 'bullmq';
import { redisOptionsFromUrl } from '../../common/redis/redis-options';
import { Environment } from '../../config/environment';
import { HeartbeatService } from '../heartbeats/heartbeat.service';
import { OperationHandlerRegistry } from '../queues/operation-handler.registry';
import { OPERATION_SETTINGS } from '../queues/operation-settings';
import { QueueDescriptor, TaskPayload } from '../queues/queue-descriptor';
import { QueueDiscoveryService } from '../queues/queue-discovery.service';
import { DatabaseConnector } from './database-connector.service';
import { WORKER_OPTIONS, WorkerOptions } from './worker-options';

interface Binding {
  queue: QueueDescriptor;
  worker: Worker<TaskPayload>;
  /** Aborted when the process must stop before its jobs finish, so long transfers can give up cleanly. */
  abort: AbortController;
}

/**
 * Binds one BullMQ worker to each queue of the locations this process serves, and keeps the set in step
 * with the database: every discovery interval it binds queues of locations added or re-activated and
 * unbinds those of locations deactivated, without a restart. While PostgreSQL is unreachable it keeps what
 * it has and tries again next interval; BullMQ itself rides out a Redis outage.
 */
@Injectable()
export class QueueBindingService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(QueueBindingService.name);
  private readonly bindings = new Map<string, Binding>();
  private timer?: NodeJS.Timeout;
  private stopping = false;
  private warnedUnknown = '';

  constructor(
    @Inject(WORKER_OPTIONS) private readonly options: WorkerOptions,
    private readonly discovery: QueueDiscoveryService,
    private readonly handlers: OperationHandlerRegistry,
    private readonly database: DatabaseConnector,
    private readonly heartbeat: HeartbeatService,
    private readonly config: ConfigService<Environment, true>,
  ) {}

  get boundQueues(): string[] {
    return [...this.bindings.keys()].sort();
  }

  onApplicationBootstrap(): void {
    this.heartbeat.register('worker', () => this.boundQueues);
    // Jobs taken while PostgreSQL is down would only fail and use up their retries: stop taking them.
    this.database.on('down', () => {
      this.logger.warn(`pausing ${this.bindings.size} queues until the database is back`);
      for (const { worker } of this.bindings.values()) void worker.pause(true).catch(() => undefined);
    });
    this.database.on('up', () => {
      for (const { worker } of this.bindings.values()) worker.resume();
      void this.refresh();
    });
    void this.database.ready.then(async () => {
      await this.refresh();
      if (this.stopping) return;
      const interval = this.config.get('WORKER_DISCOVERY_INTERVAL', { infer: true });
      this.timer = setInterval(() => void this.refresh(), interval);
    });
  }

  /** One discovery pass; public so tests and operators' tools can force it. */
  async refresh(): Promise<void> {
    if (this.stopping) return;
    let wanted: QueueDescriptor[];
    try {
      wanted = (await this.discovery.discoverAll()).filter((q) => this.serves(q));
    } catch (err) {
      this.logger.warn(
        `queue discovery failed, keeping ${this.bindings.size} bound queues: ${(err as Error).message}`,
      );
      return;
    }
    this.warnAboutUnknownLocations(wanted);
    const wantedNames = new Set(wanted.map((q) => q.name));
    for (const [name, binding] of this.bindings) {
      if (!wantedNames.has(name)) await this.unbind(name, binding, 'its location is no longer active');
    }
    for (const queue of wanted) if (!this.bindings.has(queue.name)) this.bind(queue);
    void this.heartbeat.beat();
  }

  private serves(queue: QueueDescriptor): boolean {
    return queue.site === this.options.site || (this.options.locations?.includes(queue.locationKey) ?? false);
  }

  private bind(queue: QueueDescriptor): void {
    const settings = OPERATION_SETTINGS[queue.operation];
    const abort = new AbortController();
    const handler = this.handlers.get(queue.operation);
    const worker = new Worker<TaskPayload>(
      queue.name,
      (job: Job<TaskPayload>) => handler.handle(job.data, { job, queue, signal: abort.signal }),
      {
        connection: redisOptionsFromUrl(this.config.get('REDIS_URL', { infer: true })),
        prefix: this.config.get('QUEUE_PREFIX', { infer: true }),
        concurrency: settings.concurrency,
        lockDuration: settings.lockDurationMs,
        maxStalledCount: settings.maxStalledCount,
      },
    );
    worker.on('error', (err) => this.logger.warn(`queue ${queue.name}: ${err.message}`));
    worker.on('failed', (job, err) =>
      this.logger.warn(
        `job ${job?.id} on ${queue.name} failed (attempt ${job?.attemptsMade}): ${err.message}`,
      ),
    );
    this.bindings.set(queue.name, { queue, worker, abort });
    this.logger.log(`bound ${queue.name}`);
  }

  /** Stops taking jobs from a queue; jobs running on it get the shutdown timeout to finish. */
  private async unbind(name: string, binding: Binding, why: string): Promise<void> {
    this.bindings.delete(name);
    const timeout = this.config.get('WORKER_SHUTDOWN_TIMEOUT', { infer: true });
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      binding.worker.close().then(() => true),
      new Promise<false>((r) => (timer = setTimeout(() => r(false), timeout))),
    ]);
    clearTimeout(timer);
    if (!finished) {
      // Handlers see the abort and fail their job, which BullMQ then retries (here or elsewhere).
      binding.abort.abort(new Error('worker stopping'));
      await binding.worker.close(true).catch(() => undefined);
    }
    this.logger.log(
      `unbound ${name}: ${why}${finished ? '' : ' (running jobs were aborted and will be retried)'}`,
    );
  }

  private warnAboutUnknownLocations(wanted: QueueDescriptor[]): void {
    const known = new Set(wanted.map((q) => q.locationKey));
    const unknown = (this.options.locations ?? []).filter((l) => !known.has(l)).join(', ');
    if (unknown && unknown !== this.warnedUnknown) {
      this.logger.warn(`not (yet) active locations, waiting for them: ${unknown}`);
    }
    this.warnedUnknown = unknown;
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await Promise.all([...this.bindings].map(([name, b]) => this.unbind(name, b, 'the process is stopping')));
  }
}
