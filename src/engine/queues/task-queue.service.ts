import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Job, Queue } from 'bullmq';
import { redisOptionsFromUrl } from '../redis/redis-options';
import { Environment } from '../../config/environment';
import { jobPriority } from './job-priority';
import { OPERATION_SETTINGS } from './operation-settings';
import { TaskPayload } from './queue-descriptor';
import { jobId } from './queue-name';

export interface QueueCounts {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  completed: number;
}

/**
 * Puts jobs on location queues with their operation's settings. Queues are opened on first use, since
 * their names come from the database; the job id is deterministic, so enqueueing twice is harmless.
 */
@Injectable()
export class TaskQueueService implements OnApplicationShutdown {
  private readonly queues = new Map<string, Queue<TaskPayload>>();

  constructor(private readonly config: ConfigService<Environment, true>) {}

  get prefix(): string {
    return this.config.get('QUEUE_PREFIX', { infer: true });
  }

  queue(name: string): Queue<TaskPayload> {
    const open = this.queues.get(name);
    if (open) return open;
    const queue = new Queue<TaskPayload>(name, {
      connection: redisOptionsFromUrl(this.config.get('REDIS_URL', { infer: true })),
      prefix: this.prefix,
    });
    // Without a listener an unreachable Redis would surface as an unhandled 'error' event.
    queue.on('error', () => undefined);
    this.queues.set(name, queue);
    return queue;
  }

  /**
   * `urgent` is set for work tied to obs units (an urgent unit's or a normal one's: both get a priority,
   * see job-priority.ts) and left out for the rest.
   */
  async enqueue(
    queueName: string,
    payload: TaskPayload,
    options: { urgent?: boolean } = {},
  ): Promise<Job<TaskPayload>> {
    const settings = OPERATION_SETTINGS[payload.operation];
    const priority = jobPriority(options.urgent);
    return this.queue(queueName).add(payload.operation, payload, {
      jobId: jobId(payload.operation, payload.entityId, payload.attempt),
      ...(priority === undefined ? {} : { priority }),
      attempts: settings.attempts,
      backoff: { type: 'exponential', delay: settings.backoffMs, jitter: settings.backoffJitter },
      removeOnComplete: { age: settings.keepCompleted.ageSeconds, count: settings.keepCompleted.count },
      removeOnFail: { age: settings.keepFailed.ageSeconds, count: settings.keepFailed.count },
    });
  }

  /**
   * Moves a queued job to the priority its obs unit now has; false if there is no such job or it has it
   * already. A running job keeps running: the new priority is what a retry of it is queued with.
   */
  async reprioritize(queueName: string, id: string, urgent: boolean): Promise<boolean> {
    const job = await this.queue(queueName).getJob(id);
    const priority = jobPriority(urgent)!;
    if (!job || job.priority === priority) return false;
    if (['completed', 'failed'].includes(await job.getState())) return false;
    await job.changePriority({ priority });
    return true;
  }

  async counts(queueName: string): Promise<QueueCounts> {
    const c = await this.queue(queueName).getJobCounts(
      'waiting',
      'active',
      'delayed',
      'failed',
      'completed',
      'prioritized',
    );
    return {
      waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
      active: c.active ?? 0,
      delayed: c.delayed ?? 0,
      failed: c.failed ?? 0,
      completed: c.completed ?? 0,
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close().catch(() => undefined)));
    this.queues.clear();
  }
}
