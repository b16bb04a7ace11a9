import type { PlanFinding } from './explain-plans';
import type { IdleFigures, NewFilesFigures, StatusFigures } from './measure';
import type { RequestFigures } from './measure-requests';

const ms = (v: number) => `${v.toFixed(1)} ms`;
const row = (cells: (string | number)[], widths: number[]) =>
  '  ' + cells.map((c, i) => String(c).padEnd(widths[i])).join(' ');

/** (a) per manager: median and p95 of its idle cycle with the history, and without. */
export function printIdle(big: IdleFigures, empty: IdleFigures): void {
  console.log('\n(a) idle cycle per manager; target < 20 ms');
  console.log(
    '    cycle: as the managers queue runs it (advisory lock, cycle record, pass); pass: runCycle() alone',
  );
  const widths = [24, 22, 22, 22, 8];
  console.log(row(['manager', 'cycle med / p95', 'pass med / p95', 'empty: cycle med / p95', ''], widths));
  for (const [kind, t] of Object.entries(big.perKind)) {
    const p = big.passPerKind[kind];
    const e = empty.perKind[kind];
    const pair = (x: { median: number; p95: number }) => `${ms(x.median)} / ${ms(x.p95)}`;
    console.log(row([kind, pair(t), pair(p), e ? pair(e) : '-', t.p95 < 20 ? 'ok' : 'MISSES'], widths));
  }
  console.log('  last cycle recorded by each manager (with the history):');
  for (const [kind, summary] of Object.entries(big.lastSummary))
    console.log(`    ${kind}: ${JSON.stringify(summary)}`);
}

/** (b) per stage: the cycles taking 1,000 new files on, with the history and without, and the ratio. */
export function printNewFiles(big: NewFilesFigures, empty: NewFilesFigures): void {
  console.log(
    '\n(b) cycles taking a finished obs unit of 1,000 new files through each stage (median of rounds)',
  );
  const widths = [40, 12, 12, 8, 8];
  console.log(row(['stage (managers)', 'history', 'empty', 'ratio', ''], widths));
  let bigTotal = 0;
  let emptyTotal = 0;
  for (const [stage, t] of Object.entries(big.perStage)) {
    const e = empty.perStage[stage];
    bigTotal += t.median;
    emptyTotal += e.median;
    const ratio = t.median / e.median;
    console.log(
      row([stage, ms(t.median), ms(e.median), ratio.toFixed(2), ratio <= 1.5 ? 'ok' : 'MISSES'], widths),
    );
  }
  const ratio = bigTotal / emptyTotal;
  console.log(
    row(
      ['all stages', ms(bigTotal), ms(emptyTotal), ratio.toFixed(2), ratio <= 1.5 ? 'ok' : 'MISSES'],
      widths,
    ),
  );
  for (const [label, f] of [
    ['history', big],
    ['empty', empty],
  ] as const)
    if (f.missed.length)
      console.log(`  WARNING (${label}): these stages did not find the new work: ${f.missed.join(', ')}`);
}

export function printStatus(big: StatusFigures): void {
  console.log('\n(c) whole-pipeline reads with the history (5 runs each)');
  for (const [name, t] of Object.entries(big.perRead))
    console.log(`  ${name.padEnd(40)} median ${ms(t.median)}, max ${ms(t.max)}`);
}

/** Registration and explain with the history and without: within 20 % is the target. */
export function printRequests(big: RequestFigures, empty: RequestFigures): void {
  console.log('\n(c) requests with the history and without (the services, without HTTP); target within 20 %');
  const widths = [44, 28, 28, 8];
  console.log(row(['request', 'history', 'empty', 'ratio'], widths));
  const line = (name: string, b: { median: number; p95: number }, e: { median: number; p95: number }) =>
    console.log(
      row(
        [
          name,
          `${ms(b.median)} (p95 ${ms(b.p95)})`,
          `${ms(e.median)} (p95 ${ms(e.p95)})`,
          (b.median / e.median).toFixed(2),
        ],
        widths,
      ),
    );
  line('register one file (200 calls)', big.single, empty.single);
  line('register 5,000 files (5 calls)', big.bulk, empty.bulk);
  console.log(
    `  bulk files/s: history ${big.bulk.filesPerSecond.toFixed(0)}, empty ${empty.bulk.filesPerSecond.toFixed(0)}`,
  );
  line(
    'explain a file archived long ago (5 runs; empty: none, a new one)',
    big.explainArchived,
    empty.explainArchived,
  );
  line('explain a file just registered (5 runs)', big.explainNew, empty.explainNew);
}

/** (c) per statement: who ran it, its plan's node types, and the flags. */
export function printFindings(findings: PlanFinding[]): void {
  const flagged = findings.filter((f) => f.noIndexPath.length || f.error);
  const small = findings.filter((f) => f.seqScans.length && !f.noIndexPath.length);
  console.log(
    `\n(c) EXPLAIN of ${findings.length} distinct statements (managers, status reads) with the history: ` +
      `${flagged.length} flagged (a history table no index can serve, or an error), ` +
      `${small.length} with a sequential scan the planner chose over a usable index (small table today)`,
  );
  for (const f of findings) {
    const flag = f.error
      ? `ERROR ${f.error}`
      : f.noIndexPath.length
        ? `SEQ SCAN, NO INDEX PATH: ${f.noIndexPath.join(', ')}`
        : f.seqScans.length
          ? `seq scan by choice (index usable): ${f.seqScans.join(', ')}`
          : 'ok';
    console.log(`  [${f.source}] ${flag}`);
    console.log(`     ${f.sql.slice(0, 200)}${f.sql.length > 200 ? '…' : ''}`);
    console.log(`     plan: ${f.nodes.join(' | ')}`);
  }
}
