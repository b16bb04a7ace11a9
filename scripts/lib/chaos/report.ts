import { ArchiveProof } from '../archive-proof';
import { human } from '../pipeline-progress';
import { ConvergenceOutcome } from './convergence';
import { FaultRecord } from './faults';
import { ChaosSettings } from './settings';
import { StorageCheck } from './storage-check';
import { DeletionTrail } from './trail-checks';
import { Registered } from './workload';

/** What a chaos run did and found; `failures()` is empty when every check passed. */
export class ChaosReport {
  faults: FaultRecord[] = [];
  kills = new Map<string, number>();
  restarts = new Map<string, number>();
  crashes: string[] = [];
  resent = 0;
  files: Registered[] = [];
  retries: Record<string, number> = {};
  convergence?: ConvergenceOutcome;
  archives?: ArchiveProof;
  storage?: StorageCheck;
  duplicates?: string[];
  trail?: DeletionTrail;
  totalMs = 0;

  constructor(readonly settings: ChaosSettings) {}

  /** Each failed check, with what failed; empty when the run passed. */
  failures(): string[] {
    const failed: string[] = [];
    const n = this.files.length;
    if (n !== this.settings.files) failed.push(`only ${n} of ${this.settings.files} files were registered`);
    const a = this.archives;
    if (!a || a.verified !== n || a.problems.length)
      failed.push(
        `a. ${a?.verified ?? 0}/${n} files verified at both archive sites` +
          (a?.problems.length ? `; ${a.problems.length} problems, first: ${a.problems[0]}` : ''),
      );
    if (!this.storage || this.storage.lost.length)
      failed.push(
        `b. ${this.storage?.lost.length ?? '?'} PRESENT copies missing or different: ${this.storage?.lost.slice(0, 5).join('; ')}`,
      );
    if (this.storage?.dark.length)
      failed.push(
        `b. ${this.storage.dark.length} dark files or objects (no copy row): ${this.storage.dark.slice(0, 5).join('; ')}`,
      );
    if (!this.duplicates || this.duplicates.length)
      failed.push(`c. duplicate copies: ${this.duplicates?.slice(0, 5).join('; ')}`);
    if (!this.trail || this.trail.violations.length)
      failed.push(`d. deleted before the rule held: ${this.trail?.violations.slice(0, 5).join('; ')}`);
    if (this.crashes.length)
      failed.push(
        `processes exited by themselves ${this.crashes.length} times: ${this.crashes.slice(0, 5).join('; ')}`,
      );
    const c = this.convergence;
    if (!c?.converged)
      failed.push(`e. not converged within ${this.settings.convergeMs / 1000} s of the last fault`);
    return failed;
  }

  print(say: (line: string) => void): void {
    const count = (kind: FaultRecord['kind']) => this.faults.filter((f) => f.kind === kind).length;
    const byProcess = (m: Map<string, number>) =>
      [...m]
        .sort()
        .map(([name, n]) => `${name} ${n}`)
        .join(', ') || 'none';
    const bytes = this.files.reduce((s, f) => s + f.size, 0);
    const c = this.convergence;
    say('\n== Chaos run figures');
    say(`seed                  ${this.settings.seed}`);
    say(`kills                 ${count('kill')} (${byProcess(this.kills)})`);
    say(`restarts              ${count('restart')} (${byProcess(this.restarts)})`);
    say(
      `redis restarts        ${count('redis-restart') / 2} (without persistence: every queue, scheduler, heartbeat lost)`,
    );
    say(`buffer off / on       ${count('buffer-off')} / ${count('buffer-on')} (cologne/buffer)`);
    say(
      `retries recorded      ${Object.entries(this.retries)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ')}`,
    );
    say(
      `failures reset        ${c?.resets.length ?? 0}${c?.resets.length ? `: ${c.resets.slice(0, 5).join('; ')}` : ''}`,
    );
    say(`registrations resent  ${this.resent}`);
    say(
      `converged             ${c?.converged ? 'yes' : 'NO'}, ${((c?.ms ?? 0) / 1000).toFixed(1)} s after the last fault`,
    );
    say(`total time            ${(this.totalMs / 1000).toFixed(1)} s`);
    say(
      `archived              ${this.archives?.verified ?? 0}/${this.files.length} files, ${human(bytes)} registered, verified at both archive sites`,
    );
    say(
      `storage check         ${this.storage?.copiesChecked ?? 0} PRESENT copies, ${human(this.storage?.bytesChecked ?? 0)} re-hashed, ${this.storage?.lost.length ?? '?'} lost, ${this.storage?.dark.length ?? '?'} dark`,
    );
    say(`duplicates            ${this.duplicates?.length ?? '?'}`);
    say(
      `deletion trail        ${this.trail?.sourceDeletions ?? 0} source and ${this.trail?.bufferPackageDeletions ?? 0} buffer package deletions, ${this.trail?.violations.length ?? '?'} before their rule held`,
    );
    if (c && !c.converged) say(`left at the end       ${JSON.stringify(c.last)}`);
    const failed = this.failures();
    say(
      failed.length
        ? `\nCHAOS RUN FAILED:\n  ${failed.join('\n  ')}`
        : '\nChaos run passed: every check held.',
    );
  }
}
