import { Client } from 'pg';
import { PipelineOverviewService } from '../../src/operations/status/pipeline-overview.service';
import { StatusService } from '../../src/operations/status/status.service';
import { AlertConditions } from '../../src/operations/alerts/alert-conditions';
import { distinctStatements } from './explain-plans';
import { startManagersContext } from './managers-context';

/**
 * Where a whole-pipeline read spends its time on a kept history (BENCH_SCALE_KEEP): each statement that
 * `ccat-dt status`, the GraphQL overview and the alerts' conditions send, run again under EXPLAIN ANALYZE
 * with its parameters, slowest first. `DATABASE_URL=.../ccat_bench_scale_history node
 * dist/bench/scale/profile-reads.js`.
 */
async function main(): Promise<void> {
  const ctx = await startManagersContext();
  const db = new Client({ connectionString: process.env.DATABASE_URL });
  await db.connect();
  try {
    const reads: [string, () => Promise<unknown>][] = [
      ['status', () => ctx.app.get(StatusService).status()],
      ['overview', () => ctx.app.get(PipelineOverviewService).overview()],
      ['alerts', () => ctx.app.get(AlertConditions).current()],
    ];
    for (const [name, read] of reads) {
      await read(); // warm
      ctx.capture.capturing = true;
      ctx.capture.take();
      const started = process.hrtime.bigint();
      await read();
      const total = Number(process.hrtime.bigint() - started) / 1e6;
      const statements = distinctStatements(ctx.capture.take());
      ctx.capture.capturing = false;
      const timed: { ms: number; sql: string }[] = [];
      for (const q of statements) {
        const { rows } = await db.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${q.sql}`, q.parameters as unknown[]);
        const plan = rows[0]['QUERY PLAN'][0] as { 'Execution Time': number; 'Planning Time': number };
        timed.push({ ms: plan['Execution Time'] + plan['Planning Time'], sql: q.sql });
      }
      timed.sort((a, b) => b.ms - a.ms);
      console.log(`\n${name}: ${total.toFixed(1)} ms in all, ${statements.length} statements`);
      for (const t of timed.slice(0, 6))
        console.log(`  ${t.ms.toFixed(1).padStart(7)} ms  ${t.sql.slice(0, 220)}`);
    }
  } finally {
    await db.end();
    await ctx.close();
  }
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(err.stack ?? err.message);
    process.exit(1);
  },
);
