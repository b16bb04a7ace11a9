import { DataSource, EntityManager } from 'typeorm';
import { WORK_KINDS } from '../recovery/work-kinds';
import { OperationStatus } from '../../engine/work/operation-status';
import { WAITING_PREFIX } from '../../engine/work/task-error';

export interface WaitingWork {
  /** The kind of work: transfer, unpack, archive, … */
  stage: string;
  /** Where the waiting worker is: the site of the work's location. */
  site: string;
  open: number;
  /** The reason of the longest-waiting row, without the prefix: the URL, the setting, the fix. */
  reason: string;
}

const OPEN = `('${OperationStatus.PENDING}', '${OperationStatus.SCHEDULED}', '${OperationStatus.IN_PROGRESS}')`;

/**
 * Open work that a worker refused for its own set-up (WaitingForSetupError: no TRANSFER_TOKEN, a plain-http
 * data port without TRANSFER_ALLOW_INSECURE), by stage and site. It spends no tries and so never becomes a
 * FAILED alert; it moves again only once someone fixes the set-up, which is why it is told here. Read from
 * each table's partial index on open work.
 */
export async function workWaitingForSetup(db: DataSource | EntityManager): Promise<WaitingWork[]> {
  const found: WaitingWork[] = [];
  for (const kind of WORK_KINDS) {
    // An unpack shares its transfer's row (and reason): it is open work only once the bytes are there.
    const ready = kind.readyWhere ? `AND ${kind.readyWhere}` : '';
    const rows: { site: string; open: number; reason: string }[] = await db.query(
      `SELECT s.short_name AS site, count(*)::int AS open,
              (array_agg(w.failure_reason ORDER BY w.created_at))[1] AS reason
         FROM ${kind.table} w JOIN data_location l ON l.id = w.${kind.locationColumn} JOIN site s ON s.id = l.site_id
        WHERE w.${kind.statusColumn.sql} IN ${OPEN} AND starts_with(w.failure_reason, $1) ${ready}
        GROUP BY s.short_name ORDER BY s.short_name`,
      [WAITING_PREFIX],
    );
    for (const r of rows)
      found.push({ stage: kind.name, ...r, reason: r.reason.slice(WAITING_PREFIX.length) });
  }
  return found;
}
