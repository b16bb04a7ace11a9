import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { getProcessName } from '../../common/process-name';
import { Manager, PipelineManager } from '../managers/pipeline-manager';
import { PhysicalCopyService } from '../physical-copies/physical-copy.service';
import { CopyStatus } from '../physical-copies/physical-copy.states';
import { OperationType } from '../queues/operation-type';
import { queueName } from '../queues/queue-name';
import { TaskQueueService } from '../queues/task-queue.service';
import { deletionAttempt } from './deletion-attempt';
import { findDeletable } from './deletion-rules';

const PER_CYCLE = 500;

/**
 * Stage 7's manager (the transfer-package rule so far): copies that a rule lets go are marked
 * DELETION_SCHEDULED and queued on their location's DELETION queue, the same way all work is scheduled:
 * in one transaction, enqueue first, then mark. Failed deletions are scheduled again.
 */
@Injectable()
@PipelineManager({ kind: 'deletion', interval: 'DELETION_MANAGER_INTERVAL' })
export class DeletionManager implements Manager {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly queues: TaskQueueService,
    private readonly copies: PhysicalCopyService,
  ) {}

  async runCycle(): Promise<Record<string, unknown>> {
    const candidates = await findDeletable(this.dataSource.manager, PER_CYCLE);
    for (const c of candidates)
      await this.schedule(c.copyId, c.site, c.location, c.locationId, `rule: ${c.rule}`);
    const retried = await this.retryFailed();
    return { scheduled: candidates.length, retried };
  }

  private async retryFailed(): Promise<number> {
    const failed: { copyId: string; site: string; location: string; locationId: number }[] =
      await this.dataSource.query(
        `SELECT c.id AS "copyId", s.short_name AS site, l.name AS location, l.id AS "locationId"
           FROM physical_copy c JOIN data_location l ON l.id = c.location_id JOIN site s ON s.id = l.site_id
          WHERE c.status = 'deletion_failed' ORDER BY c.updated_at LIMIT $1`,
        [PER_CYCLE],
      );
    for (const f of failed)
      await this.schedule(f.copyId, f.site, f.location, f.locationId, 'retry after a failure');
    return failed.length;
  }

  private async schedule(copyId: string, site: string, location: string, locationId: number, reason: string) {
    await this.dataSource.transaction(async (m) => {
      const [copy] = await m.query(`SELECT status FROM physical_copy WHERE id = $1 FOR UPDATE`, [copyId]);
      if (copy?.status !== CopyStatus.PRESENT && copy?.status !== CopyStatus.DELETION_FAILED) return;
      await this.queues.enqueue(queueName(site, location, OperationType.DELETION), {
        operation: OperationType.DELETION,
        entityId: copyId,
        locationId,
        attempt: await deletionAttempt(m, copyId),
      });
      await this.copies.transition(
        copyId,
        CopyStatus.DELETION_SCHEDULED,
        { actor: getProcessName(), reason },
        m,
      );
    });
  }
}
