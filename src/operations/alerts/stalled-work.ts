import { DataSource, EntityManager } from 'typeorm';
import { WORK_KINDS } from '../recovery/work-kinds';
import { OperationStatus } from '../../engine/work/operation-status';

export interface StalledWork {
  /** The kind of work (`ccat-dt reset <kind>`): package, bundle, transfer, unpack, archive, … */
  stage: string;
  site: string;
  /** Rows waiting or running there. */
  open: number;
  /** When any of them last changed: nothing of it has moved since. */
  idleSince: Date;
}

const OPEN = `('${OperationStatus.PENDING}', '${OperationStatus.SCHEDULED}', '${OperationStatus.IN_PROGRESS}')`;

/**
 * Where a stage has stalled at a site: work is open there, none of it changed state for `afterSeconds`,
 * and none of that kind completed there in that time. The open rows come from each table's partial index
 * on open work; the look for a recent completion runs only for a candidate (a stall is rare), so the cost
 * of an ordinary cycle does not grow with the history.
 */
export async function stalledWork(
  db: DataSource | EntityManager,
  afterSeconds: number,
): Promise<StalledWork[]> {
  const found: StalledWork[] = [];
  for (const kind of WORK_KINDS) {
    const status = `w.${kind.statusColumn.sql}`;
    // An unpack waits for its transfer: it is open work only once the bytes are there.
    const ready = kind.name === 'unpack' ? `AND w.status = '${OperationStatus.COMPLETED}'` : '';
    const candidates: { site: string; open: number; idleSince: Date; locations: number[] }[] = await db.query(
      `SELECT s.short_name AS site, count(*)::int AS open, max(w.updated_at) AS "idleSince",
              array_agg(DISTINCT l.id) AS locations
         FROM ${kind.table} w JOIN data_location l ON l.id = w.${kind.locationColumn} JOIN site s ON s.id = l.site_id
        WHERE ${status} IN ${OPEN} ${ready}
        GROUP BY s.short_name
       HAVING max(w.updated_at) < now() - make_interval(secs => $1::float8)`,
      [afterSeconds],
    );
    for (const c of candidates) {
      const [done] = await db.query(
        `SELECT 1 FROM ${kind.table} w
          WHERE w.${kind.locationColumn} = ANY($1::int[]) AND ${status} = '${OperationStatus.COMPLETED}'
            AND w.updated_at >= now() - make_interval(secs => $2::float8) LIMIT 1`,
        [c.locations, afterSeconds],
      );
      if (!done) found.push({ stage: kind.name, site: c.site, open: c.open, idleSince: c.idleSince });
    }
  }
  return found;
}
