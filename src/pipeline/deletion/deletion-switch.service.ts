import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { CopyStatus } from '../../catalog/physical-copies/physical-copy.states';

export interface DeletionSwitchState {
  paused: boolean;
  reason: string | null;
  changedBy: string | null;
  changedAt: Date | null;
}

@Injectable()
export class DeletionSwitchService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * The switch as this transaction sees it. `lock` takes a share lock: a claim holding it and a pause
   * waiting for it are ordered, so no deletion starts after a pause has committed.
   */
  async state(m: EntityManager = this.dataSource.manager, lock = false): Promise<DeletionSwitchState> {
    const [row] = await m.query(
      `SELECT paused, reason, changed_by AS "changedBy", changed_at AS "changedAt" FROM deletion_switch WHERE id = 1
       ${lock ? 'FOR SHARE' : ''}`,
    );
    return row ?? { paused: false, reason: null, changedBy: null, changedAt: null };
  }

  /** Pauses or resumes every deletion; returns how many deletions were already removing bytes. */
  async set(paused: boolean, changedBy: string, reason?: string): Promise<{ inProgress: number }> {
    return this.dataSource.transaction(async (m) => {
      await m.query(
        `INSERT INTO deletion_switch (id, paused, reason, changed_by, changed_at) VALUES (1, $1, $2, $3, now())
         ON CONFLICT (id) DO UPDATE SET paused = $1, reason = $2, changed_by = $3, changed_at = now()`,
        [paused, reason ?? null, changedBy],
      );
      return { inProgress: await this.inProgress(m) };
    });
  }

  /** The switch and how many deletions are removing bytes right now (a pause lets those finish). */
  async view(): Promise<DeletionSwitchState & { inProgress: number }> {
    return { ...(await this.state()), inProgress: await this.inProgress() };
  }

  private async inProgress(m: EntityManager = this.dataSource.manager): Promise<number> {
    const [{ n }] = await m.query(
      `SELECT count(*)::int AS n FROM physical_copy WHERE status = '${CopyStatus.DELETION_IN_PROGRESS}'`,
    );
    return n;
  }
}
