/** Why something found in an archive was not (or not entirely) taken into the catalogue. */
export type ProblemKind =
  | 'invalid-sidecar'
  | 'missing-sidecar'
  | 'foreign-sidecar'
  | 'missing-package-object'
  | 'package-object-differs'
  | 'conflict'
  | 'write-failed';

export interface RebuildProblem {
  kind: ProblemKind;
  /** `site/location:path` of what it is about. */
  where: string;
  message: string;
}

/** What a rebuild found and wrote (or, in a dry run, would write). */
export class RebuildReport {
  sidecarsRead = 0;
  sidecarsUsed = 0;
  packagesCreated = 0;
  packagesAlreadyThere = 0;
  obsUnitsCreated = 0;
  filesCreated = 0;
  copiesCreated = 0;
  copiesAlreadyThere = 0;
  /** Bytes of the package objects the created copies stand for. */
  bytesCreated = 0;
  /** Bytes read back and hashed (with --verify). */
  bytesVerified = 0;
  readonly problems: RebuildProblem[] = [];
  private readonly started = Date.now();
  elapsedMs = 0;

  problem(kind: ProblemKind, where: string, message: string): void {
    this.problems.push({ kind, where, message });
  }

  count(kind: ProblemKind): number {
    return this.problems.filter((p) => p.kind === kind).length;
  }

  finish(): this {
    this.elapsedMs = Date.now() - this.started;
    return this;
  }

  get sidecarsPerSecond(): number {
    return this.sidecarsRead / Math.max(this.elapsedMs / 1000, 0.001);
  }

  /** The problems, one line each, then the summary. */
  lines(dryRun: boolean): string[] {
    const lines = this.problems.map((p) => `! ${p.kind} ${p.where}: ${p.message}`);
    const verb = dryRun ? 'would create' : 'created';
    lines.push(
      `catalogue rebuild${dryRun ? ' (dry run, nothing written)' : ''}: ` +
        `${this.sidecarsRead} sidecars read (${this.sidecarsUsed} used), ` +
        `${verb} ${this.packagesCreated} packages (${this.packagesAlreadyThere} already there), ` +
        `${this.obsUnitsCreated} obs units, ${this.filesCreated} files, ` +
        `${this.copiesCreated} archive copies (${this.copiesAlreadyThere} already there), ` +
        `${this.bytesCreated} bytes${this.bytesVerified ? `, ${this.bytesVerified} bytes verified` : ''}`,
      `problems: ${this.count('conflict')} conflicts, ${this.count('invalid-sidecar')} invalid and ` +
        `${this.count('foreign-sidecar')} foreign sidecars, ${this.count('missing-sidecar')} packages without ` +
        `a sidecar, ${this.count('missing-package-object')} missing ` +
        `and ${this.count('package-object-differs')} differing package objects, ` +
        `${this.count('write-failed')} failed writes`,
      `time: ${(this.elapsedMs / 1000).toFixed(1)} s, ${this.sidecarsPerSecond.toFixed(1)} sidecars/s`,
    );
    return lines;
  }
}
