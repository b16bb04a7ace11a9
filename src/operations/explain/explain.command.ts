import { Command, CommandRunner, Option } from 'nest-commander';
import { ObsUnitPriority } from '../../pipeline/ingest/obs-unit-priority';
import { WAITING_PREFIX } from '../../engine/work/task-error';
import { ExplainedPriority, Explanation } from './explain-facts';
import { ExplainService } from './explain.service';

const when = (d: Date) => new Date(d).toISOString().replace('T', ' ').slice(0, 19);
/** A work row's reason: a wait for its worker's set-up reads as one (`, waiting: ...`), not as a failure. */
const reasonOf = (reason: string | null) =>
  !reason ? '' : reason.startsWith(WAITING_PREFIX) ? `, ${reason}` : `, last failure: ${reason}`;

/** The obs unit's priority, and the last change of it: who, when, from what. */
export function formatPriority(p: ExplainedPriority): string {
  const last = p.changes[p.changes.length - 1];
  if (!last) return `priority: ${p.priority}`;
  const how = last.from ? `from ${last.from}` : 'at registration';
  return (
    `priority: ${p.priority}${p.priority === ObsUnitPriority.HIGH ? ' (urgent)' : ''}, set ${how} by ${last.actor} ` +
    `on ${when(last.at)}${last.reason ? `: ${last.reason}` : ''}` +
    (p.changes.length > 1 ? ` (${p.changes.length} changes)` : '')
  );
}

/** One file in one screen: the verdict first, then every copy with its history, then the work. */
export function formatExplanation(e: Explanation, fullHistory = false): string {
  const lines = [
    `${e.file.path}  (${e.file.size} bytes, sha256 ${e.file.sha256.slice(0, 16)}…, id ${e.file.id})`,
    `obs unit ${e.file.obsUnit}, ${e.file.instrument}/${e.file.module}, registered ${when(e.file.registeredAt)}`,
    formatPriority(e.priority),
    `stage: ${e.stage}   safe: ${e.safe ? 'yes' : 'NO'}`,
    '',
    e.verdict,
    '',
    'Copies:',
  ];
  for (const c of e.copies) {
    lines.push(`  ${`${c.site}/${c.location}`.padEnd(26)} ${c.kind.padEnd(22)} ${c.status}`);
    // In one screen: how the copy came to be and its last change; every step with --history.
    const shown =
      fullHistory || c.history.length <= 2 ? c.history : [c.history[0], c.history[c.history.length - 1]];
    for (const h of shown)
      lines.push(`      ${when(h.at)}  -> ${h.to.padEnd(20)} ${h.actor}${h.reason ? `: ${h.reason}` : ''}`);
  }
  if (e.copies.length === 0) lines.push('  none yet');
  lines.push('', 'Work:');
  for (const w of e.work)
    lines.push(`  ${w.what}: ${w.status}, retries ${w.retries}${reasonOf(w.failureReason)}`);
  if (e.work.length === 0) lines.push('  none yet');
  return lines.join('\n');
}

@Command({
  name: 'explain',
  arguments: '<file-id|path|obs-unit>',
  description: 'Why is this file not safe yet? One file in full; an obs unit as a summary of its files',
})
export class ExplainCommand extends CommandRunner {
  constructor(private readonly explainer: ExplainService) {
    super();
  }

  async run([ref]: string[], options: { history?: boolean }): Promise<void> {
    const ids = await this.explainer.resolve(ref);
    if (ids.length === 1) {
      console.log(formatExplanation(await this.explainer.explain(ids[0]), options.history));
      return;
    }
    const groups = new Map<string, { count: number; example: Explanation }>();
    for (const id of ids.slice(0, 10_000)) {
      const e = await this.explainer.explain(id);
      const key = `${e.stage}|${e.verdict.replace(/\d+/g, '#')}`;
      const g = groups.get(key) ?? { count: 0, example: e };
      g.count++;
      groups.set(key, g);
    }
    const safe = [...groups.values()].filter((g) => g.example.safe).reduce((s, g) => s + g.count, 0);
    console.log(`${ref}: ${ids.length} files, ${safe} safe.`);
    // The priority is its obs unit's: one line for a unit (an obs unit name run more than once may differ).
    const priorities = new Set([...groups.values()].map((g) => formatPriority(g.example.priority)));
    console.log(`${[...priorities].join('\n')}\n`);
    for (const { count, example } of groups.values())
      console.log(
        `${String(count).padStart(6)} file(s) at ${example.stage}, e.g. ${example.file.path}:\n         ${example.verdict}\n`,
      );
  }

  @Option({ flags: '--history', description: 'Every step of every copy, not only its first and last' })
  parseHistory(): boolean {
    return true;
  }
}
