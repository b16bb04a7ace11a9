import { Client } from 'pg';

/**
 * The tables that grow with the history (every file, copy, audit event, package, bundle, transfer, cycle
 * record ever made). A sequential scan of one of them makes a query's cost grow with the history.
 */
export const HISTORY_TABLES = [
  'raw_data_file',
  'physical_copy',
  'physical_copy_event',
  'raw_data_package',
  'data_transfer_package',
  'data_transfer',
  'long_term_archive_transfer',
  'executed_obs_unit',
  'staging_job',
  'staging_job_package',
  'event_outbox',
  'manager_cycle',
  'alert',
];

export interface CapturedQuery {
  sql: string;
  parameters: unknown[];
}

export interface PlanFinding {
  /** Who ran it: a manager kind, `status`, `overview`... */
  source: string;
  sql: string;
  /** Node types, e.g. `Index Scan physical_copy (ix_physical_copy_deleting)`. */
  nodes: string[];
  /** History tables read by a sequential scan in the plan the planner chose. */
  seqScans: string[];
  /** Of those, the ones still scanned sequentially with enable_seqscan off: no index can serve them. */
  noIndexPath: string[];
  error?: string;
}

const NOT_EXPLAINABLE =
  /^\s*(START TRANSACTION|BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|SET |SHOW |SELECT set_config|SELECT pg_try_advisory|SELECT version\(\)|SELECT current_schema)/i;

/** One line per statement: line comments go first, or they would swallow the rest of the line. */
export const normalize = (sql: string) =>
  sql
    .replace(/--[^\n]*/g, '')
    .replace(/\s+/g, ' ')
    .trim();

/** The distinct explainable statements of `queries`, first parameters kept, in first-seen order. */
export function distinctStatements(queries: CapturedQuery[]): CapturedQuery[] {
  const seen = new Map<string, CapturedQuery>();
  for (const q of queries) {
    const sql = normalize(q.sql);
    if (NOT_EXPLAINABLE.test(sql) || seen.has(sql)) continue;
    seen.set(sql, { sql, parameters: q.parameters });
  }
  return [...seen.values()];
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function walk(node: PlanNode, out: PlanNode[] = []): PlanNode[] {
  out.push(node);
  for (const child of node.Plans ?? []) walk(child, out);
  return out;
}

const describe = (n: PlanNode) =>
  [n['Node Type'], n['Relation Name'], n['Index Name'] && `(${n['Index Name']})`].filter(Boolean).join(' ');

async function plan(db: Client, q: CapturedQuery): Promise<PlanNode[]> {
  const [{ 'QUERY PLAN': json }] = (await db.query(`EXPLAIN (FORMAT JSON) ${q.sql}`, q.parameters)).rows;
  return walk((json as { Plan: PlanNode }[])[0].Plan);
}

const seqScansOf = (nodes: PlanNode[]) => [
  ...new Set(
    nodes
      .filter((n) => n['Node Type'] === 'Seq Scan' && HISTORY_TABLES.includes(n['Relation Name'] ?? ''))
      .map((n) => n['Relation Name']!),
  ),
];

/**
 * EXPLAIN (no ANALYZE: nothing runs, writes included) of each statement with its captured parameters,
 * once as the planner chooses and, where that reads a history table sequentially, again with sequential
 * scans discouraged: a table still scanned then has no index the query can use, which is a finding
 * whatever the table's size; one the planner scans only because it is small today is noted as such.
 */
export async function explainAll(
  url: string,
  source: string,
  statements: CapturedQuery[],
): Promise<PlanFinding[]> {
  const db = new Client({ connectionString: url });
  await db.connect();
  const findings: PlanFinding[] = [];
  try {
    for (const q of statements) {
      try {
        const nodes = await plan(db, q);
        const seqScans = seqScansOf(nodes);
        let noIndexPath: string[] = [];
        if (seqScans.length) {
          await db.query('SET enable_seqscan = off');
          noIndexPath = seqScansOf(await plan(db, q)).filter((t) => seqScans.includes(t));
          await db.query('RESET enable_seqscan');
        }
        findings.push({
          source,
          sql: q.sql,
          nodes: [...new Set(nodes.map(describe))],
          seqScans,
          noIndexPath,
        });
      } catch (err) {
        await db.query('RESET enable_seqscan').catch(() => undefined);
        findings.push({
          source,
          sql: q.sql,
          nodes: [],
          seqScans: [],
          noIndexPath: [],
          error: (err as Error).message,
        });
      }
    }
  } finally {
    await db.end();
  }
  return findings;
}
