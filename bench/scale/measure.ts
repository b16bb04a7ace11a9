import { PipelineGaugesService } from '../../src/engine/metrics/pipeline-gauges.service';
import { PipelineHistoryService } from '../../src/operations/history/pipeline-history.service';
import { metricsRegistry } from '../../src/engine/metrics/metrics-registry';
import { PipelineOverviewService } from '../../src/operations/status/pipeline-overview.service';
import { StatusService } from '../../src/operations/status/status.service';
import { CapturedQuery, PlanFinding } from './explain-plans';
import { ManagersContext } from './managers-context';
import type { RequestFigures } from './measure-requests';
import { bundlesWritten, packagesPacked, registerFinishedUnit, transfersUnpacked } from './new-work';

export type Statements = Record<string, CapturedQuery[]>;

export interface Timing {
  median: number;
  p95: number;
  max: number;
  n: number;
}

export function timing(ms: number[]): Timing {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  return { median: at(0.5), p95: at(0.95), max: sorted[sorted.length - 1], n: sorted.length };
}

const timings = (ms: Map<string, number[]>): Record<string, Timing> =>
  Object.fromEntries([...ms].map(([k, v]) => [k, timing(v)]));

export const elapsed = async (work: () => Promise<unknown>): Promise<number> => {
  const started = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - started) / 1e6;
};

export function keep(statements: Statements, source: string, ctx: ManagersContext): void {
  statements[source] = [...(statements[source] ?? []), ...ctx.capture.take()];
}

export interface IdleFigures {
  /** The whole cycle as the managers queue runs it: the runner's lock and cycle record, and the pass. */
  perKind: Record<string, Timing>;
  /** The manager's pass alone (runCycle), without the runner. */
  passPerKind: Record<string, Timing>;
  /** What each manager's last measured cycle recorded as its summary: nothing done, when idle. */
  lastSummary: Record<string, unknown>;
  statements: Statements;
}

/**
 * Three warm-up rounds of every manager (recovery resets what the generated history left claimed by no
 * job, the others schedule it again; after that nothing is left to do), then `cycles` rounds, each
 * cycle timed through the runner the managers queue uses: lock, cycle record, the manager's pass.
 */
export async function measureIdle(ctx: ManagersContext, cycles: number): Promise<IdleFigures> {
  const statements: Statements = {};
  for (let round = 0; round < 3; round++)
    for (const kind of ctx.kinds) {
      await ctx.runner.run(kind);
      keep(statements, kind, ctx);
    }
  const ms = new Map<string, number[]>(ctx.kinds.map((k) => [k, []]));
  const passMs = new Map<string, number[]>(ctx.kinds.map((k) => [k, []]));
  for (let round = 0; round < cycles; round++)
    for (const kind of ctx.kinds) {
      ms.get(kind)!.push(await elapsed(() => ctx.runner.run(kind)));
      passMs.get(kind)!.push(await elapsed(() => ctx.registry.get(kind).manager.runCycle()));
      keep(statements, kind, ctx);
    }
  const lastSummary: Record<string, unknown> = {};
  for (const kind of ctx.kinds) {
    const [last] = await ctx.dataSource.query(
      `SELECT outcome, summary FROM manager_cycle WHERE kind = $1 ORDER BY started_at DESC LIMIT 1`,
      [kind],
    );
    lastSummary[kind] = last;
  }
  return { perKind: timings(ms), passPerKind: timings(passMs), lastSummary, statements };
}

export interface NewFilesFigures {
  /** Per stage (`1 package: raw_data_package`...), the cycle times over the rounds. */
  perStage: Record<string, Timing>;
  /** Stages whose cycle did not find the new work in some round (then its time is an idle cycle's). */
  missed: string[];
}

interface Stage {
  name: string;
  kinds: string[];
  /** How many rows of the new unit's work the stage's cycles should have made. */
  made: string;
  then?: (ctx: ManagersContext, unit: string) => Promise<number>;
}

const OF_UNIT = `(SELECT data_transfer_package_id FROM raw_data_package WHERE executed_obs_unit_id = $1)`;
const STAGES: Stage[] = [
  {
    name: '1 package',
    kinds: ['raw_data_package'],
    made: `SELECT count(*)::int AS n FROM raw_data_package WHERE executed_obs_unit_id = $1`,
    then: (ctx, unit) => packagesPacked(ctx.dataSource, unit),
  },
  {
    name: '2 bundle',
    kinds: ['data_transfer_package'],
    made: `SELECT count(*)::int AS n FROM raw_data_package WHERE executed_obs_unit_id = $1 AND data_transfer_package_id IS NOT NULL`,
    then: (ctx, unit) => bundlesWritten(ctx.dataSource, unit),
  },
  {
    name: '3 transfer',
    kinds: ['data_transfer'],
    made: `SELECT count(*)::int AS n FROM data_transfer WHERE data_transfer_package_id IN ${OF_UNIT}`,
    then: (ctx, unit) => transfersUnpacked(ctx.dataSource, unit),
  },
  {
    name: '4 archive at the first site, replicate',
    kinds: ['long_term_archive', 'data_transfer'],
    made: `SELECT least((SELECT count(*) FROM long_term_archive_transfer t JOIN raw_data_package p ON p.id = t.raw_data_package_id
                          WHERE p.executed_obs_unit_id = $1),
                         (SELECT count(*) FROM data_transfer WHERE data_transfer_package_id IN ${OF_UNIT}) - 1)::int AS n`,
    then: (ctx, unit) => transfersUnpacked(ctx.dataSource, unit),
  },
  {
    name: '5 archive at the second site',
    kinds: ['long_term_archive'],
    made: `SELECT count(*)::int - (SELECT count(*) FROM raw_data_package WHERE executed_obs_unit_id = $1) AS n
             FROM long_term_archive_transfer t JOIN raw_data_package p ON p.id = t.raw_data_package_id
            WHERE p.executed_obs_unit_id = $1`,
  },
];

/**
 * `rounds` times: a finished obs unit of 1,000 files is registered, and the managers take it as far as
 * they go without workers, the workers' outcomes written in between (new-work.ts). Each stage's cycles
 * are timed; the stage's rows are counted to make sure the cycle did find the new work.
 */
export async function measureNewFiles(ctx: ManagersContext, rounds: number): Promise<NewFilesFigures> {
  const ms = new Map<string, number[]>();
  const missed = new Set<string>();
  for (let round = 0; round < rounds; round++) {
    const unit = await registerFinishedUnit(ctx.dataSource, 1000);
    for (const stage of STAGES) {
      let total = 0;
      for (const kind of stage.kinds) total += await elapsed(() => ctx.runner.run(kind));
      ms.set(stage.name, [...(ms.get(stage.name) ?? []), total]);
      const [{ n }] = await ctx.dataSource.query(stage.made, [unit]);
      if (Number(n) < 1) missed.add(stage.name);
      if (stage.then) await stage.then(ctx, unit);
    }
    ctx.capture.take();
  }
  return { perStage: timings(ms), missed: [...missed] };
}

export interface StatusFigures {
  perRead: Record<string, Timing>;
  statements: Statements;
}

/** The reads that summarize the whole pipeline, each timed `times` times. */
export async function measureStatus(ctx: ManagersContext, times = 5): Promise<StatusFigures> {
  const status = ctx.app.get(StatusService);
  const overview = ctx.app.get(PipelineOverviewService);
  const history = ctx.app.get(PipelineHistoryService);
  ctx.app.get(PipelineGaugesService);
  const reads: [string, () => Promise<unknown>][] = [
    ['status (ccat-dt status, alerts)', () => status.status()],
    ['overview (GraphQL pipelineOverview)', () => overview.overview()],
    ['metrics scrape (pipeline gauges)', () => metricsRegistry.metrics()],
    ['history (the charts: 7 days by the hour)', () => history.history(7)],
  ];
  const statements: Statements = {};
  const perRead: Record<string, Timing> = {};
  ctx.capture.take();
  for (const [name, read] of reads) {
    const ms: number[] = [];
    for (let i = 0; i < times; i++) ms.push(await elapsed(read));
    keep(statements, name, ctx);
    perRead[name] = timing(ms);
  }
  return { perRead, statements };
}

/** One database's figures, as measure-run.ts writes them. */
export interface Run {
  idle: IdleFigures;
  newFiles: NewFilesFigures;
  status: StatusFigures;
  requests: RequestFigures;
  findings: PlanFinding[];
}
