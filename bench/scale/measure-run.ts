import { writeFileSync } from 'node:fs';
import { distinctStatements, explainAll, normalize, PlanFinding } from './explain-plans';
import { startManagersContext } from './managers-context';
import { measureIdle, measureNewFiles, measureStatus, Run } from './measure';
import { measureRequests } from './measure-requests';

/**
 * One database's measurements, in a process of its own (the configuration is read once per process):
 * started by scale.bench.ts with DATABASE_URL and a Redis namespace set; writes its figures as JSON to
 * the file named by its first argument.
 */
async function main(out: string): Promise<void> {
  const cycles = Number(process.env.BENCH_SCALE_CYCLES ?? 50);
  const rounds = Number(process.env.BENCH_SCALE_NEW_FILE_ROUNDS ?? 5);
  const ctx = await startManagersContext();
  try {
    ctx.capture.capturing = true;
    const idle = await measureIdle(ctx, cycles);
    const newFiles = await measureNewFiles(ctx, rounds);
    const status = await measureStatus(ctx);
    // Last: the files it registers would be new work for the cycles above.
    const requests = await measureRequests(ctx);
    // Each distinct statement once, under the first reader that ran it.
    const findings: PlanFinding[] = [];
    const explained = new Set<string>();
    const sources = [
      ...Object.entries(idle.statements),
      ...Object.entries(status.statements),
      ...Object.entries(requests.statements),
    ];
    for (const [source, statements] of sources) {
      const fresh = distinctStatements(statements).filter((q) => !explained.has(normalize(q.sql)));
      fresh.forEach((q) => explained.add(q.sql));
      findings.push(...(await explainAll(process.env.DATABASE_URL!, source, fresh)));
    }
    const run: Run = { idle, newFiles, status, requests, findings };
    writeFileSync(out, JSON.stringify(run));
  } finally {
    await ctx.close();
  }
}

main(process.argv[2]).then(
  () => process.exit(0),
  (err: Error) => {
    console.error(`bench/scale measurement failed: ${err.stack ?? err.message}`);
    process.exit(1);
  },
);
