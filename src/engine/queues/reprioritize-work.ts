import { DataSource } from 'typeorm';
import { OperationStatus } from '../work/operation-status';
import { WorkKind } from '../work/work-kind';
import { jobId, queueName } from './queue-name';
import { urgencyOf } from './schedule-work';
import { TaskQueueService } from './task-queue.service';

/**
 * After an obs unit's priority changed (committed): the jobs already queued for its work of this kind move
 * to the priority the work now has. Pending rows get it when they are scheduled; the rows are locked, so
 * a row being scheduled right now is waited for and then found scheduled (scheduleWork reads the priority
 * under the same lock): no job is left with the old priority. Returns how many jobs moved.
 */
export async function reprioritizeQueued(
  dataSource: DataSource,
  queues: TaskQueueService,
  kind: WorkKind,
  obsUnitId: string,
): Promise<number> {
  const urgency = kind.urgency;
  if (!urgency) return 0;
  const S = OperationStatus;
  return dataSource.transaction(async (m) => {
    const rows: {
      id: string;
      status: OperationStatus;
      attempt: number;
      urgent: boolean;
      site: string;
      location: string;
    }[] = await m.query(
      `SELECT w.id, w.${kind.statusColumn.sql} AS status, w.${kind.retryColumn.sql} AS attempt,
                ${urgencyOf(kind)} AS urgent, s.short_name AS site, l.name AS location
           FROM ${kind.table} w
           JOIN data_location l ON l.id = w.${kind.locationColumn}
           JOIN site s ON s.id = l.site_id
          WHERE w.${kind.statusColumn.sql} IN ('${S.PENDING}', '${S.SCHEDULED}', '${S.IN_PROGRESS}')
            AND ${urgency.ofObsUnit('$1')}
          FOR UPDATE OF w`,
      [obsUnitId],
    );
    let moved = 0;
    for (const r of rows) {
      // A pending row has no job yet: it is queued with its priority when it is scheduled.
      if (r.status === S.PENDING) continue;
      const queue = queueName(r.site, r.location, kind.operation);
      if (await queues.reprioritize(queue, jobId(kind.operation, r.id, r.attempt), r.urgent)) moved++;
    }
    return moved;
  });
}
