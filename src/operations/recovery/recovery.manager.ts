import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { OperationStatus } from '../../engine/work/operation-status';
import { getProcessName } from '../../engine/logging/process-name';
import { REDIS } from '../../engine/redis/redis.module';
import { Environment } from '../../config/environment';
import { heartbeatKey } from '../../engine/heartbeats/heartbeat';
import { deletionAttempt, statusBeforeScheduling } from '../../pipeline/deletion/deletion-attempt';
import { Manager, PipelineManager } from '../../engine/managers/pipeline-manager';
import { PhysicalCopyService } from '../../catalog/physical-copies/physical-copy.service';
import { CopyStatus } from '../../catalog/physical-copies/physical-copy.states';
import { OperationType } from '../../engine/queues/operation-type';
import { jobId, queueName } from '../../engine/queues/queue-name';
import { TaskQueueService } from '../../engine/queues/task-queue.service';
import { WORK_KINDS, WorkKind } from './work-kinds';
import { WorkResetService } from './work-reset.service';
import { relocateFromOffline } from './work-relocation';

const PER_CYCLE = 200;
/** Job states in which the job will never move the row on: it is gone, or finished while the row did not. */
const LOST = ['missing', 'completed', 'failed', 'unknown'];

interface OpenWork {
  id: string;
  status: OperationStatus;
  retry: number;
  claimedBy: string | null;
  idleMs: number;
  site: string;
  location: string;
}

/**
 * Finds work that will not move on by itself and resets it: rows SCHEDULED or IN_PROGRESS for longer than
 * RECOVERY_GRACE whose job is gone from Redis (a FLUSHALL, a lost Redis) or ended there without the row
 * following. An IN_PROGRESS row is reset once its claiming process has had no heartbeat for HEARTBEAT_TTL
 * (a dead worker), or, while it still beats, after RECOVERY_STALL_TIMEOUT. A job still waiting, delayed or active is BullMQ's to retry (stalled jobs
 * included). Deletions lost the same way go back to where their manager schedules them again. And work
 * bound for an offline location that no worker has claimed moves to the next one (work-relocation.ts).
 */
@Injectable()
@PipelineManager({ kind: 'recovery', interval: 'RECOVERY_MANAGER_INTERVAL' })
export class RecoveryManager implements Manager {
  private readonly logger = new Logger(RecoveryManager.name);
  /** Claims of work in progress whose process was found without a heartbeat, since when. */
  private readonly silentSince = new Map<string, number>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly queues: TaskQueueService,
    private readonly resets: WorkResetService,
    private readonly copies: PhysicalCopyService,
    private readonly config: ConfigService<Environment, true>,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  async runCycle(): Promise<Record<string, unknown>> {
    const done: Record<string, number> = {};
    for (const kind of WORK_KINDS) {
      const n = await this.recoverKind(kind);
      if (n) done[kind.name] = n;
    }
    const deletions = await this.recoverDeletions();
    if (deletions) done.deletion = deletions;
    const moved: Record<string, number> = {};
    for (const kind of WORK_KINDS) {
      const n = await relocateFromOffline(this.dataSource, this.queues, kind);
      if (n) moved[kind.name] = n;
    }
    return Object.keys(moved).length ? { reset: done, movedOffOffline: moved } : { reset: done };
  }

  private async recoverKind(kind: WorkKind): Promise<number> {
    const open: OpenWork[] = await this.dataSource.query(
      `SELECT w.id, w.${kind.statusColumn.sql} AS status, w.${kind.retryColumn.sql} AS retry,
              w.claimed_by AS "claimedBy", (extract(epoch FROM now() - w.updated_at) * 1000)::float8 AS "idleMs",
              s.short_name AS site, l.name AS location
         FROM ${kind.table} w JOIN data_location l ON l.id = w.${kind.locationColumn} JOIN site s ON s.id = l.site_id
        WHERE w.${kind.statusColumn.sql} IN ('${OperationStatus.SCHEDULED}', '${OperationStatus.IN_PROGRESS}')
          AND w.updated_at < now() - make_interval(secs => $1::float8)
        ORDER BY w.updated_at LIMIT $2`,
      [this.config.get('RECOVERY_GRACE', { infer: true }) / 1000, PER_CYCLE],
    );
    let reset = 0;
    for (const w of open) {
      const why = await this.whyStuck(w, kind.operation, w.retry);
      if (!why) continue;
      const outcome = await this.resets.resetStuck(kind, w.id, w.status, why);
      if (outcome) {
        reset++;
        this.logger.warn(`${kind.name} ${w.id}: ${outcome.from} -> ${outcome.to} (${outcome.reason})`);
      }
    }
    return reset;
  }

  /** Why this open work will not move on by itself, or null while it still may. */
  private async whyStuck(w: OpenWork, operation: OperationType, attempt: number): Promise<string | null> {
    const queue = this.queues.queue(queueName(w.site, w.location, operation));
    const job = await queue.getJob(jobId(operation, w.id, attempt));
    const state = job ? await job.getState() : 'missing';
    if (!LOST.includes(state)) return null;
    const jobText = state === 'missing' ? 'its job is gone from Redis' : `its job is ${state} in Redis`;
    if (w.status === OperationStatus.SCHEDULED) return jobText;
    const key = `${operation}:${w.id}`;
    if (!(w.claimedBy && (await this.isAlive(w.claimedBy)))) {
      // A heartbeat missing once may be a Redis that just lost its data; a live process beats again within
      // HEARTBEAT_TTL, a dead one does not.
      const since = this.silentSince.get(key) ?? Date.now();
      this.silentSince.set(key, since);
      if (Date.now() - since < this.config.get('HEARTBEAT_TTL', { infer: true })) return null;
      this.silentSince.delete(key);
      return `${jobText} and its worker ${w.claimedBy ?? '(unknown)'} has had no heartbeat for ${Math.round((Date.now() - since) / 1000)} s`;
    }
    this.silentSince.delete(key);
    const stall = this.config.get('RECOVERY_STALL_TIMEOUT', { infer: true });
    return w.idleMs > stall
      ? `${jobText}, and ${w.claimedBy} has not moved it for ${Math.round(w.idleMs / 1000)} s`
      : null;
  }

  private async isAlive(processName: string): Promise<boolean> {
    const prefix = this.config.get('REDIS_KEY_PREFIX', { infer: true });
    return (await this.redis.exists(heartbeatKey(prefix, 'worker', processName))) === 1;
  }

  /** Deletions whose job was lost: scheduled ones return to be scheduled again; started ones are failed and retried. */
  private async recoverDeletions(): Promise<number> {
    const open: { id: string; status: CopyStatus; site: string; location: string }[] =
      await this.dataSource.query(
        `SELECT c.id, c.status, s.short_name AS site, l.name AS location
         FROM physical_copy c JOIN data_location l ON l.id = c.location_id JOIN site s ON s.id = l.site_id
        WHERE c.status IN ('${CopyStatus.DELETION_SCHEDULED}', '${CopyStatus.DELETION_IN_PROGRESS}')
          AND c.updated_at < now() - make_interval(secs => $1::float8)
        ORDER BY c.updated_at LIMIT $2`,
        [this.config.get('RECOVERY_GRACE', { infer: true }) / 1000, PER_CYCLE],
      );
    let reset = 0;
    for (const c of open) {
      const attempt = await deletionAttempt(this.dataSource.manager, c.id);
      const queue = this.queues.queue(queueName(c.site, c.location, OperationType.DELETION));
      const job = await queue.getJob(jobId(OperationType.DELETION, c.id, attempt));
      const state = job ? await job.getState() : 'missing';
      if (!LOST.includes(state)) continue;
      const reason = `its deletion job is ${state === 'missing' ? 'gone from Redis' : `${state} in Redis`}`;
      // A deletion's job id changes only with its failed tries, so a finished job left under that id would
      // swallow the next scheduling (BullMQ ignores a job whose id it holds): the copy went scheduled,
      // recovered, scheduled again, for ever (found by the chaos run). The job is done; it goes.
      if (job && state !== 'missing') await job.remove().catch(() => undefined);
      const changed = await this.dataSource.transaction(async (m) => {
        const [row] = await m.query(`SELECT status FROM physical_copy WHERE id = $1 FOR UPDATE`, [c.id]);
        if (row?.status !== c.status) return false;
        // A deletion that had started may have removed some bytes: FAILED, so the retry re-checks its rule.
        const to =
          c.status === CopyStatus.DELETION_IN_PROGRESS
            ? CopyStatus.DELETION_FAILED
            : await statusBeforeScheduling(m, c.id);
        await this.copies.transition(c.id, to, { actor: getProcessName(), reason: `recovery: ${reason}` }, m);
        return true;
      });
      if (changed) reset++;
    }
    return reset;
  }
}
