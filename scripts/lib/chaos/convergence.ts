import { isSafeSql } from '../../../src/catalog/physical-copies/package-safety';
import { Client } from 'pg';
import { WORK_KINDS } from '../../../src/operations/recovery/work-kinds';
import { cli } from '../processes';

/** What is left to do, read from the database: all zero (and every file safe) is convergence. */
export interface Outstanding {
  filesSafe: number;
  /** Work rows pending, scheduled or in progress, by kind. */
  open: Record<string, number>;
  failed: { kind: string; id: string; reason: string }[];
  /** Copies on their way out (scheduled, in progress, failed). */
  deleting: number;
  /** SOURCE copies still there though every file is archived twice. */
  sourceLeft: number;
}

export async function readOutstanding(db: Client, archiveSites: number): Promise<Outstanding> {
  const [{ rows: safe }, { rows: copies }] = await Promise.all([
    db.query(
      `SELECT count(*)::int AS n FROM raw_data_file f JOIN raw_data_package p ON p.id = f.raw_data_package_id
        WHERE ${isSafeSql('p', '$1')}`,
      [archiveSites],
    ),
    db.query(
      `SELECT count(*) FILTER (WHERE c.status IN ('deletion_scheduled', 'deletion_in_progress', 'deletion_failed'))::int AS deleting,
              count(*) FILTER (WHERE l.location_type = 'source' AND c.status <> 'deleted')::int AS "sourceLeft"
         FROM physical_copy c JOIN data_location l ON l.id = c.location_id`,
    ),
  ]);
  const open: Record<string, number> = {};
  const failed: Outstanding['failed'] = [];
  for (const kind of WORK_KINDS) {
    const status = kind.statusColumn.sql;
    const { rows } = await db.query(
      `SELECT id, ${status} AS status, failure_reason AS reason FROM ${kind.table}
        WHERE ${status} IN ('pending', 'scheduled', 'in_progress', 'failed')`,
    );
    for (const r of rows)
      if (r.status === 'failed') failed.push({ kind: kind.name, id: r.id, reason: r.reason ?? '' });
      else open[kind.name] = (open[kind.name] ?? 0) + 1;
  }
  return { filesSafe: safe[0].n, open, failed, ...copies[0] };
}

/** Each open work row, with its state and how long it has been in it: where a run that never settled stopped. */
export async function describeOpenWork(db: Client): Promise<string[]> {
  const lines: string[] = [];
  for (const kind of WORK_KINDS) {
    const status = kind.statusColumn.sql;
    const { rows } = await db.query(
      `SELECT w.id, w.${status} AS status, w.${kind.retryColumn.sql} AS retries, l.name AS location,
              round(extract(epoch FROM now() - w.updated_at))::int AS idle
         FROM ${kind.table} w JOIN data_location l ON l.id = w.${kind.locationColumn}
        WHERE w.${status} IN ('pending', 'scheduled', 'in_progress') ORDER BY w.id`,
    );
    for (const r of rows)
      lines.push(
        `${kind.name} ${r.id} at ${r.location}: ${r.status}, ${r.retries} retries, unchanged for ${r.idle} s`,
      );
  }
  return lines;
}

export function converged(o: Outstanding, files: number): boolean {
  return (
    o.filesSafe === files &&
    Object.keys(o.open).length === 0 &&
    o.failed.length === 0 &&
    o.deleting === 0 &&
    o.sourceLeft === 0
  );
}

export function describeOutstanding(o: Outstanding, files: number): string {
  const open = Object.entries(o.open).map(([k, n]) => `${n} ${k}`);
  return [
    `${o.filesSafe}/${files} files archived at every site`,
    open.length ? `open work: ${open.join(', ')}` : 'no open work',
    `${o.failed.length} failed`,
    `${o.deleting} copies being deleted`,
    `${o.sourceLeft} source copies left`,
  ].join('; ');
}

/** Retries the work tables record (each kind's retry count, summed): what the faults cost in repeated work. */
export async function readRetries(db: Client): Promise<Record<string, number>> {
  const retries: Record<string, number> = {};
  for (const kind of WORK_KINDS) {
    const { rows } = await db.query(
      `SELECT coalesce(sum(${kind.retryColumn.sql}), 0)::int AS n FROM ${kind.table}`,
    );
    retries[kind.name] = rows[0].n;
  }
  return retries;
}

export interface ConvergenceOutcome {
  converged: boolean;
  /** Milliseconds from `since` until everything had settled (or until the time ran out). */
  ms: number;
  last: Outstanding;
  /** Failed work the run reset, as an operator would, with why it had failed. */
  resets: string[];
}

/**
 * Waits until every file is archived at every site and nothing is left to do, resetting FAILED work with
 * `ccat-dt reset` as the operator on shift would (each is reported: a failure caused by the faults is
 * worth reading), or until `limitMs` after `since` has passed.
 */
export async function awaitConvergence(
  db: Client,
  options: { files: number; archiveSites: number; since: number; limitMs: number; env: NodeJS.ProcessEnv },
  say: (line: string) => void,
): Promise<ConvergenceOutcome> {
  const resets: string[] = [];
  let lastSaid = 0;
  for (;;) {
    const last = await readOutstanding(db, options.archiveSites);
    const ms = Date.now() - options.since;
    if (converged(last, options.files)) return { converged: true, ms, last, resets };
    if (ms > options.limitMs) return { converged: false, ms, last, resets };
    for (const f of last.failed) {
      say(`  reset failed ${f.kind} ${f.id}: ${f.reason}`);
      try {
        cli(['reset', f.kind, f.id], { ...options.env, USER: 'chaos-operator' });
        resets.push(`${f.kind} ${f.id}: ${f.reason}`);
      } catch (err) {
        say(`  reset refused: ${(err as Error).message.split('\n')[0]}`);
      }
    }
    if (Date.now() - lastSaid > 15_000) {
      say(`  [${(ms / 1000).toFixed(0)} s after the last fault] ${describeOutstanding(last, options.files)}`);
      lastSaid = Date.now();
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
}
