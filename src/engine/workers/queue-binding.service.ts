import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  Optional,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DelayedError, Job, Worker } from 'bullmq';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { RepeatedWarning } from '../logging/repeated-warning';
import { getProcessName } from '../logging/process-name';
import { redisOptionsFromUrl } from '../redis/redis-options';
import { Environment } from '../../config/environment';
import { HeartbeatService } from '../heartbeats/heartbeat.service';
import { OperationHandlerRegistry } from '../queues/operation-handler.registry';
import { OPERATION_SETTINGS } from '../queues/operation-settings';
import { QueueDescriptor, TaskPayload } from '../queues/queue-descriptor';
import { QueueDiscoveryService } from '../queues/queue-discovery.service';
import { TaskQueueService } from '../queues/task-queue.service';
import { withTimeout } from '../health/with-timeout';
import { WaitingForSetupError } from '../work/task-error';
import { observeTask } from '../metrics/task-metrics';
import { DatabaseConnector } from './database-connector.service';
import { describeWorker, WORKER_OPTIONS, WorkerOptions } from './worker-options';
import { checkSelection, selectsQueue } from './worker-selection';

/** The options besides --queues, as a refusal names them. */
function describeOthers(options: WorkerOptions): string {
  return [
    options.site && `--site ${options.site}`,
    options.locations && `--locations ${options.locations.join(',')}`,
    options.operations && `--operations ${options.operations.join(',')}`,
  ]
    .filter(Boolean)
    .join(' ');
}
import { QUEUE_SETUP_CHECK, QueueSetupCheck } from './queue-setup-check';

/** A job that failed because the database was unreachable runs again this long after, not counted as a try. */
const OUTAGE_RETRY_DELAY_MS = 10_000;
/** How long releasing a queue may wait for Redis (to close, to hand jobs back) before it lets go anyway. */
const RELEASE_TIMEOUT_MS = 5_000;

/**
 * PostgreSQL refusing service rather than the job's statement: connection exceptions (class 08), too many
 * connections (53300), the server shutting down or starting (57P01-57P03).
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return (
    typeof code === 'string' && (/^08...$/.test(code) || ['53300', '57P01', '57P02', '57P03'].includes(code))
  );
}

interface Binding {
  queue: QueueDescriptor;
  worker: Worker<TaskPayload>;
  /** Aborted when the process must stop before its jobs finish, so long transfers can give up cleanly. */
  abort: AbortController;
  /** Jobs running now, with the lock token that lets us hand them back to the queue. */
  inFlight: Map<string, { job: Job<TaskPayload>; token: string }>;
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
  private warnedWaiting = '';
  private selectionChecked = false;
  private refuseSelection!: (reason: Error) => void;
  /**
   * Settles, with the reason, if the first discovery finds that `--queues` names a queue no location has
   * (or one the other options leave out): the process must not run serving less than it was told to.
   * It never settles otherwise. main.ts stops the process with it.
   */
  readonly selectionRefused = new Promise<Error>((resolve) => (this.refuseSelection = resolve));

  constructor(
    @Inject(WORKER_OPTIONS) private readonly options: WorkerOptions,
    private readonly discovery: QueueDiscoveryService,
    private readonly handlers: OperationHandlerRegistry,
    private readonly database: DatabaseConnector,
    private readonly heartbeat: HeartbeatService,
    private readonly config: ConfigService<Environment, true>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly queues: TaskQueueService,
    @Optional() @Inject(QUEUE_SETUP_CHECK) private readonly setupCheck?: QueueSetupCheck,
  ) {}

  get boundQueues(): string[] {
    return [...this.bindings.keys()].sort();
  }

  onApplicationBootstrap(): void {
    this.heartbeat.register('worker', () => this.boundQueues);
    // Jobs taken while PostgreSQL is down would only fail and use up their retries: stop taking them
    // (closing, not pausing: a paused BullMQ worker still takes the job its pending fetch returns).
    this.database.on('down', () => {
      this.logger.warn(`releasing ${this.bindings.size} queues until the database is back`);
      for (const [name, binding] of this.bindings)
        void this.unbind(name, binding, 'the database is unreachable');
    });
    this.database.on('up', () => void this.refresh());
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
    if (!this.database.connected) return;
    try {
      const active = await this.discovery.discoverAll();
      if (!(await this.checkSelection(active))) return;
      wanted = active.filter((q) => selectsQueue(this.options, q));
    } catch (err) {
      this.logger.warn(
        `queue discovery failed, keeping ${this.bindings.size} bound queues: ${(err as Error).message}`,
      );
      return;
    }
    await this.checkSetup(wanted);
    const wantedNames = new Set(wanted.map((q) => q.name));
    for (const [name, binding] of this.bindings) {
      if (!wantedNames.has(name)) await this.unbind(name, binding, 'its location is no longer active');
    }
    for (const queue of wanted) if (!this.bindings.has(queue.name)) this.bind(queue);
    void this.heartbeat.beat();
  }

  /**
   * Names in `--queues` are checked against every location's queues once, at the first discovery that
   * reaches the database: a name no location has is refused (nothing is bound, the process stops), one of
   * an inactive location is waited for, as are inactive locations in `--locations`.
   */
  private async checkSelection(active: QueueDescriptor[]): Promise<boolean> {
    const every = this.options.queues ? await this.discovery.discoverEvery() : active;
    const check = checkSelection(this.options, every, active);
    if (!this.selectionChecked && (check.unknown.length || check.excluded.length)) {
      const problems = [
        check.unknown.length &&
          `no location has the queue(s) ${check.unknown.join(', ')} (\`ccat-dt list-queues\` lists the queues)`,
        check.excluded.length && `${check.excluded.join(', ')} left out by ${describeOthers(this.options)}`,
      ].filter(Boolean);
      this.stopping = true;
      this.refuseSelection(new Error(`--queues refused: ${problems.join('; ')}`));
      return false;
    }
    this.selectionChecked = true;
    // Said once per change, not every interval.
    const waiting = [
      check.inactiveLocations.length &&
        `not (yet) active locations, waiting for them: ${check.inactiveLocations.join(', ')}`,
      check.inactiveQueues.length &&
        `queues of inactive locations, bound once they are active: ${check.inactiveQueues.join(', ')}`,
    ].filter((w): w is string => Boolean(w));
    if (waiting.length === 0 && !active.some((q) => selectsQueue(this.options, q)))
      waiting.push(
        `no queue of an active location is among ${describeWorker(this.options)}; waiting for one`,
      );
    const said = waiting.join('\n');
    if (said && said !== this.warnedWaiting) for (const w of waiting) this.logger.warn(w);
    this.warnedWaiting = said;
    return true;
  }

  private bind(queue: QueueDescriptor): void {
    const settings = OPERATION_SETTINGS[queue.operation];
    const lockDuration = this.config.get('JOB_LOCK_DURATION', { infer: true }) ?? settings.lockDurationMs;
    const abort = new AbortController();
    const inFlight: Binding['inFlight'] = new Map();
    const handler = this.handlers.get(queue.operation);
    const worker = new Worker<TaskPayload>(
      queue.name,
      async (job: Job<TaskPayload>, token?: string) => {
        const key = `${job.id}`;
        if (token) inFlight.set(key, { job, token });
        try {
          return await observeTask(queue, job, () =>
            handler.handle(job.data, { job, queue, signal: abort.signal }),
          );
        } catch (err) {
          if (token && err instanceof WaitingForSetupError) await this.postponeForSetup(job, token, err);
          if (token && (isDatabaseUnavailable(err) || !(await this.database.probe()))) {
            await this.postponeForOutage(job, token, err as Error);
          }
          throw err;
        } finally {
          inFlight.delete(key);
        }
      },
      {
        connection: redisOptionsFromUrl(this.config.get('REDIS_URL', { infer: true })),
        prefix: this.config.get('QUEUE_PREFIX', { infer: true }),
        concurrency: settings.concurrency,
        lockDuration,
        // Stalled jobs (their worker died) are looked for at least once per lock duration.
        stalledInterval: Math.min(30_000, lockDuration),
        maxStalledCount: settings.maxStalledCount,
      },
    );
    // While Redis is unreachable each connection reports every reconnect attempt: say it once a minute.
    const redisTrouble = new RepeatedWarning(this.logger);
    worker.on('error', (err) => redisTrouble.warn(`queue ${queue.name}: ${err.message}`));
    worker.on('ready', () => redisTrouble.recovered(`queue ${queue.name}: Redis reachable again`));
    worker.on('failed', (job, err) =>
      this.logger.warn(
        `job ${job?.id} on ${queue.name} failed (attempt ${job?.attemptsMade}): ${err.message}`,
      ),
    );
    this.bindings.set(queue.name, { queue, worker, abort, inFlight });
    this.logger.log(`bound ${queue.name}`);
  }

  /**
   * A job that failed while the database is unreachable failed because of the outage (its reads and writes
   * could not reach PostgreSQL), not because of its data: it goes back to the queue, delayed, without using
   * up one of its tries, so an outage of hours does not turn every job it touched into a FAILED row.
   * The work row stays as the job left it (nothing could be written); the re-run claims it again.
   * Moving the job needs Redis: if that is unreachable too, the job's lock expires and BullMQ's stalled
   * check hands it back once Redis returns.
   */
  private async postponeForOutage(job: Job<TaskPayload>, token: string, err: Error): Promise<never> {
    this.logger.warn(
      `job ${job.id} on ${job.queueName} failed while the database is unreachable (${err.message}); ` +
        `it runs again later, not counted as a try`,
    );
    return this.postpone(job, token, OUTAGE_RETRY_DELAY_MS);
  }

  /**
   * A job this worker cannot do as it is set up (WaitingForSetupError) runs again one discovery interval
   * later, not counted as a try: the error that says what to fix was logged when discovery found it
   * (QueueSetupCheck), and the reason is on the work's row, so each job says it only at debug level.
   */
  private async postponeForSetup(
    job: Job<TaskPayload>,
    token: string,
    err: WaitingForSetupError,
  ): Promise<never> {
    this.logger.debug(`job ${job.id} on ${job.queueName} waits for this worker's set-up: ${err.message}`);
    return this.postpone(job, token, this.config.get('WORKER_DISCOVERY_INTERVAL', { infer: true }));
  }

  private async postpone(job: Job<TaskPayload>, token: string, delayMs: number): Promise<never> {
    await withTimeout(job.moveToDelayed(Date.now() + delayMs, token), RELEASE_TIMEOUT_MS).catch(
      () => undefined,
    );
    throw new DelayedError();
  }

  /**
   * What would make the served queues' jobs wait (a setting this worker lacks), said once when discovery
   * finds it rather than at each job; a failing check never stops the binding.
   */
  private async checkSetup(served: QueueDescriptor[]): Promise<void> {
    await this.setupCheck
      ?.check(served)
      .catch((err: Error) => this.logger.warn(`could not check this worker's set-up: ${err.message}`));
  }

  /**
   * Stops taking jobs from a queue and gives running ones the shutdown timeout to finish. Jobs still
   * running then are handed back to the queue (waiting, their attempt not counted) for another worker,
   * rather than left locked until their lock expires; their handlers are told to stop.
   */
  private async unbind(name: string, binding: Binding, why: string): Promise<void> {
    this.bindings.delete(name);
    await binding.worker.pause(true).catch(() => undefined);
    const drained = await this.drain(binding, this.config.get('WORKER_SHUTDOWN_TIMEOUT', { infer: true }));
    const left = [...binding.inFlight.values()];
    if (!drained) binding.abort.abort(new Error('worker stopping'));
    // Forced when jobs are still running: they must not hold the process, and the worker must stop
    // fetching before their jobs go back to the queue, or it would take them again at once.
    // Closing waits for Redis (a clean QUIT): during an outage it would wait for as long as the outage lasts
    // and leave this worker's connections reconnecting for ever, so it is bounded, then forced.
    await withTimeout(binding.worker.close(!drained), RELEASE_TIMEOUT_MS).catch(() =>
      withTimeout(binding.worker.disconnect(), RELEASE_TIMEOUT_MS).catch(() => undefined),
    );
    let returned = 0;
    for (const { job, token } of left) {
      await withTimeout(
        Job.fromId<TaskPayload>(this.queues.queue(name), job.id!).then((fresh) => fresh?.moveToWait(token)),
        RELEASE_TIMEOUT_MS,
      )
        .then(() => returned++)
        .catch((err: Error) => this.logger.warn(`could not hand back job ${job.id}: ${err.message}`));
    }
    this.logger.log(
      `unbound ${name}: ${why}${drained ? '' : ` (${returned} running job(s) handed back to the queue)`}`,
    );
  }

  private async drain(binding: Binding, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (binding.inFlight.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    return binding.inFlight.size === 0;
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    const unfinished = [...this.bindings.values()].filter((b) => b.inFlight.size > 0).length;
    await Promise.all([...this.bindings].map(([name, b]) => this.unbind(name, b, 'the process is stopping')));
    if (unfinished > 0) await this.cancelOwnQueries();
  }

  /**
   * Handlers of jobs handed back may still wait in PostgreSQL (on a lock, a long statement); the pool cannot
   * close under them. Cancelling them rolls their transactions back, which is safe: the job runs again.
   */
  private async cancelOwnQueries(): Promise<void> {
    if (!this.database.connected) return;
    await this.dataSource
      .query(
        `SELECT pg_cancel_backend(pid) FROM pg_stat_activity
          WHERE application_name = $1 AND pid <> pg_backend_pid() AND state <> 'idle'`,
        [getProcessName().slice(0, 63)],
      )
      .catch((err: Error) => this.logger.warn(`could not cancel running queries: ${err.message}`));
  }
}
