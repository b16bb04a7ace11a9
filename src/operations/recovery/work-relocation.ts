import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { replacementFor } from '../../catalog/locations/location.queries';
import { jobId, queueName } from '../../engine/queues/queue-name';
import { TaskQueueService } from '../../engine/queues/task-queue.service';
import { OperationStatus } from '../../engine/work/operation-status';
import { transitionRow } from '../../engine/work/transition-row';
import { WorkKind } from '../../engine/work/work-kind';

const PER_CYCLE = 100;
const logger = new Logger('WorkRelocation');

interface Movable {
  id: string;
  status: OperationStatus;
  retry: number;
  site: string;
  location: string;
  to: number;
  toName: string;
}

/**
 * Work bound for an offline location that no worker has claimed moves to the next location of that type
 * at that site by priority (`replacementFor`): a pending row at once; a scheduled one only if its job can
 * still be taken off the offline location's queue (a job a worker holds is locked, and BullMQ refuses to
 * remove it: that work is claimed, and stays). The row goes back to pending at its new location, and the
 * stage's manager schedules it there. Returns how many moved.
 */
export async function relocateFromOffline(
  dataSource: DataSource,
  queues: TaskQueueService,
  kind: WorkKind,
): Promise<number> {
  if (!kind.relocation) return 0;
  const { table, locationColumn: loc } = kind;
  const status = kind.statusColumn.sql;
  const same = kind.relocation.sameAs;
  const rows: Movable[] = await dataSource.query(
    `SELECT w.id, w.${status} AS status, w.${kind.retryColumn.sql} AS retry, s.short_name AS site,
            l.name AS location, r.id AS "to", (SELECT name FROM data_location WHERE id = r.id) AS "toName"
       FROM ${table} w JOIN data_location l ON l.id = w.${loc} JOIN site s ON s.id = l.site_id
      CROSS JOIN LATERAL (SELECT ${replacementFor('l')} AS id) r
      WHERE NOT l.active AND w.${status} IN ('${OperationStatus.PENDING}', '${OperationStatus.SCHEDULED}')
        AND r.id IS NOT NULL
        ${same ? `AND NOT EXISTS (SELECT 1 FROM ${table} o WHERE o.${same} = w.${same} AND o.${loc} = r.id)` : ''}
      ORDER BY w.id LIMIT $1`,
    [PER_CYCLE],
  );
  let moved = 0;
  for (const w of rows) {
    if (w.status === OperationStatus.SCHEDULED && !(await takeJobBack(queues, kind, w))) continue;
    const done = await dataSource.transaction(async (m) => {
      const [now] = await m.query(`SELECT ${status} AS status FROM ${table} WHERE id = $1 FOR UPDATE`, [
        w.id,
      ]);
      if (now?.status !== w.status) return false;
      if (w.status === OperationStatus.SCHEDULED)
        await transitionRow(
          m,
          kind.entity,
          w.id,
          kind.statusColumn.property,
          kind.machine,
          OperationStatus.PENDING,
        );
      await m.query(`UPDATE ${table} SET ${loc} = $2, updated_at = now() WHERE id = $1`, [w.id, w.to]);
      return true;
    });
    if (!done) continue;
    moved++;
    logger.warn(`${kind.name} ${w.id}: ${w.site}/${w.location} is offline; moved to ${w.site}/${w.toName}`);
  }
  return moved;
}

/** Takes a scheduled row's job off its queue; false if a worker holds it (or it cannot be removed). */
async function takeJobBack(queues: TaskQueueService, kind: WorkKind, w: Movable): Promise<boolean> {
  const job = await queues
    .queue(queueName(w.site, w.location, kind.operation))
    .getJob(jobId(kind.operation, w.id, w.retry));
  if (!job) return true;
  try {
    await job.remove();
    return true;
  } catch {
    return false;
  }
}
