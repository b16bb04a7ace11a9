import { Command, CommandRunner } from 'nest-commander';
import { renderTable } from '../../engine/report/report-table';
import { ExplainService } from '../explain/explain.service';
import { pauseLine } from '../../pipeline/archive/replication-progress';
import { PipelineStatus, StatusService } from './status.service';

const human = (n: number) =>
  n >= 1024 ** 4
    ? `${(n / 1024 ** 4).toFixed(2)} TiB`
    : n >= 1024 ** 3
      ? `${(n / 1024 ** 3).toFixed(2)} GiB`
      : n >= 1024 ** 2
        ? `${(n / 1024 ** 2).toFixed(1)} MiB`
        : `${n} B`;
const age = (s: number) =>
  s >= 7200 ? `${(s / 3600).toFixed(1)} h` : s >= 120 ? `${Math.round(s / 60)} min` : `${s} s`;
/** A small bar of a disk's use, marked when over its threshold. */
function disk(c: PipelineStatus['copies'][number]): string {
  if (c.usedPercent == null) return '';
  const full = Math.min(10, Math.round(c.usedPercent / 10));
  const over = c.threshold != null && c.usedPercent > c.threshold;
  const limit = c.threshold != null ? ` (threshold ${c.threshold}%)` : '';
  return `[${'#'.repeat(full)}${'.'.repeat(10 - full)}] ${c.usedPercent.toFixed(0)}%${limit}${over ? ' OVER' : ''}`;
}

const STAGES = ['package', 'bundle', 'transfer', 'unpack', 'archive', 'deletion'];

/** The pipeline on one screen. */
export function formatStatus(s: PipelineStatus, oldestVerdict?: string): string {
  const lines = [
    `ccat-data-transfer status at ${s.at.toISOString()}`,
    `files: ${s.files.total} (${human(s.files.bytes)}), safe ${s.files.safe}, not yet safe ${s.files.total - s.files.safe}`,
  ];
  if (s.oldestNotSafe)
    lines.push(
      `oldest not yet safe: ${s.oldestNotSafe.path}, registered ${age(s.oldestNotSafe.ageSeconds)} ago`,
      ...(oldestVerdict ? [`  ${oldestVerdict}`] : []),
    );
  lines.push('', 'work by stage and status:');
  const work = STAGES.map((stage) => ({
    stage,
    ...Object.fromEntries(s.work.filter((w) => w.stage === stage).map((w) => [w.status, w.count])),
  })).filter((row) => Object.keys(row).length > 1);
  lines.push(renderTable(work));
  if (s.failed)
    lines.push(`  ${s.failed} FAILED: see \`ccat-dt explain\`, then \`ccat-dt reset <kind> <id>\``);
  lines.push(
    '',
    'copies by site and location (held, their bytes, being deleted; disk use at the last measurement):',
    renderTable(
      s.copies.map((c) => ({
        location: `${c.site}/${c.location}`,
        type: c.type,
        copies: c.present,
        bytes: human(c.bytes),
        deleting: c.deleting,
        disk: disk(c) || null,
      })),
    ),
  );
  lines.push('', 'replication (archived packages each archive site holds):');
  lines.push(...s.replication.pauses.map((p) => `  ${pauseLine(p)}`));
  lines.push(...s.replication.summary.map((l) => `  ${l}`));
  lines.push('');
  if (s.deletionPaused)
    lines.push(
      `DELETION PAUSED since ${s.deletionPaused.since?.toISOString()} by ${s.deletionPaused.by}` +
        (s.deletionPaused.reason ? `: ${s.deletionPaused.reason}` : ''),
    );
  const count = (type: string) => s.services.filter((x) => x.type === type).length;
  lines.push(
    `services alive: ${count('worker')} worker(s), ${count('manager')} manager process(es), ${count('api')} api`,
  );
  if (s.sitesWithoutWorker.length) lines.push(`NO LIVE WORKER at: ${s.sitesWithoutWorker.join(', ')}`);
  // Those of a site without any worker are said by the line above.
  const unserved = s.unservedQueues.filter((q) => !s.sitesWithoutWorker.includes(q.site));
  if (unserved.length)
    lines.push(
      `QUEUES NO LIVE WORKER SERVES (${unserved.length}; their work waits, see \`ccat-dt list-queues\`):`,
      ...unserved.map((q) => `  ${q.name}`),
    );
  return lines.join('\n');
}

@Command({
  name: 'status',
  description:
    'The pipeline on one screen: counts per stage, copies per site, the oldest file not yet safe, services',
})
export class StatusCommand extends CommandRunner {
  constructor(
    private readonly statuses: StatusService,
    private readonly explainer: ExplainService,
  ) {
    super();
  }

  async run(): Promise<void> {
    const s = await this.statuses.status();
    const verdict = s.oldestNotSafe ? (await this.explainer.explain(s.oldestNotSafe.id)).verdict : undefined;
    console.log(formatStatus(s, verdict));
  }
}
