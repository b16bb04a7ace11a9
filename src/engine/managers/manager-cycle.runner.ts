import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { getProcessName } from '../logging/process-name';
import { CycleOutcome } from './manager-cycle.entity';
import { ManagerRegistry } from './manager.registry';
import { startManagerCycleTimer } from '../metrics/task-metrics';

/**
 * Runs a manager's cycle at most once at a time across every process: the cycle holds
 * `pg_try_advisory_xact_lock` for its kind in a transaction on a connection of its own, kept open while the
 * cycle works on other connections (so the cycle's own writes commit as it goes, before it enqueues).
 * A process that finds the lock held skips; a process that dies releases it with its connection.
 */
@Injectable()
export class ManagerCycleRunner {
  private readonly logger = new Logger(ManagerCycleRunner.name);
  private readonly lastPruned = new Map<string, number>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly registry: ManagerRegistry,
  ) {}

  async run(kind: string): Promise<CycleOutcome> {
    const { manager } = this.registry.get(kind);
    const lock = this.dataSource.createQueryRunner();
    await lock.connect();
    try {
      await lock.startTransaction();
      const [{ locked }] = await lock.query(`SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked`, [
        `manager:${kind}`,
      ]);
      if (!locked) {
        await this.record(kind, CycleOutcome.SKIPPED, null, null, true);
        return CycleOutcome.SKIPPED;
      }
      const cycleId = await this.record(kind, CycleOutcome.RUNNING, null, null, false);
      const observeCycle = startManagerCycleTimer(kind);
      try {
        const summary = await manager.runCycle();
        observeCycle('completed');
        await this.finish(cycleId, CycleOutcome.COMPLETED, summary, null);
        await this.pruneHourly(kind);
        return CycleOutcome.COMPLETED;
      } catch (err) {
        observeCycle('failed');
        await this.finish(cycleId, CycleOutcome.FAILED, null, (err as Error).message).catch(() => undefined);
        this.logger.warn(`${kind} cycle failed: ${(err as Error).message}`);
        throw err;
      }
    } finally {
      await lock.commitTransaction().catch(() => undefined);
      await lock.release();
    }
  }

  private async record(
    kind: string,
    outcome: CycleOutcome,
    summary: Record<string, unknown> | null,
    error: string | null,
    finished: boolean,
  ): Promise<string> {
    const [{ id }] = await this.dataSource.query(
      `INSERT INTO manager_cycle (kind, process, outcome, summary, error, finished_at)
       VALUES ($1, $2, $3, $4, $5, CASE WHEN $6 THEN clock_timestamp() END) RETURNING id`,
      [kind, getProcessName(), outcome, summary, error, finished],
    );
    return id;
  }

  private async finish(
    id: string,
    outcome: CycleOutcome,
    summary: Record<string, unknown> | null,
    error: string | null,
  ): Promise<void> {
    await this.dataSource.query(
      `UPDATE manager_cycle SET outcome = $2, summary = $3, error = $4, finished_at = clock_timestamp() WHERE id = $1`,
      [id, outcome, summary, error],
    );
  }

  /** Cycle records are for recent history; a week is plenty. Per kind, so the index serves the delete. */
  private async pruneHourly(kind: string): Promise<void> {
    if (Date.now() - (this.lastPruned.get(kind) ?? 0) < 3_600_000) return;
    this.lastPruned.set(kind, Date.now());
    await this.dataSource.query(
      `DELETE FROM manager_cycle WHERE kind = $1 AND started_at < now() - interval '7 days'`,
      [kind],
    );
  }
}
