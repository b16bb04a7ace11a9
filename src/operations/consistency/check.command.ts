import { Command, CommandRunner, Option } from 'nest-commander';
import { DomainError } from '../../engine/errors/domain-error';
import { parseDuration } from '../../config/units';
import { CheckReport, formatCheckReport, isClean } from './check-report';
import { ConsistencyCheckService } from './consistency-check.service';
import { CopyRepairService } from './copy-repair.service';

interface CheckCommandOptions {
  location?: string;
  repair?: boolean;
  json?: boolean;
  minAge?: string;
  wait?: string;
  parallel?: string;
}

class UsageError extends Error {}

function duration(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const ms = parseDuration(value);
  if (!Number.isFinite(ms) || ms < 0)
    throw new UsageError(
      `${name} must be a duration such as 30s, 15m, 1h or 0, not ${JSON.stringify(value)}`,
    );
  return ms;
}

@Command({
  name: 'check',
  description:
    'Compare storage with the database at every location (or one): LOST copies (live rows whose bytes are ' +
    'missing or differ in size or SHA-256, every byte re-read) and DARK data (bytes no copy row accounts ' +
    'for). Dark data is only reported, never deleted. --repair marks lost copies and has the workers ' +
    're-replicate them from a verified copy elsewhere. Exit 0: all agree (after --repair: every lost copy ' +
    'replaced); 1: something is lost or dark; 2: usage error.',
})
export class CheckCommand extends CommandRunner {
  constructor(
    private readonly checker: ConsistencyCheckService,
    private readonly repairs: CopyRepairService,
  ) {
    super();
  }

  async run(_args: string[], options: CheckCommandOptions): Promise<void> {
    let minAgeMs: number, waitMs: number, parallel: number;
    let locations;
    try {
      minAgeMs = duration('--min-age', options.minAge, 15 * 60_000);
      waitMs = duration('--wait', options.wait, 10 * 60_000);
      parallel = Number(options.parallel ?? 4);
      if (!Number.isInteger(parallel) || parallel < 1 || parallel > 64)
        throw new UsageError(`--parallel must be an integer from 1 to 64, not ${options.parallel}`);
      locations = await this.checker.locations(options.location);
    } catch (err) {
      if (!(err instanceof UsageError || err instanceof DomainError)) throw err;
      console.error(`ccat-dt check: ${err.message}`);
      process.exitCode = 2;
      return;
    }
    const report: CheckReport = { ok: true, locations: [] };
    for (const location of locations) {
      const l = await this.checker.checkLocation(location, { minAgeMs, parallel });
      if (options.repair && l.lost.length > 0) {
        const copies = l.lost.filter((x) => x.kind !== 'sidecar');
        l.repaired = [
          ...(await this.repairs.repair(copies, waitMs)),
          // A sidecar has no copy row of its own; its package copy is fine. Not rewritten automatically yet.
          ...l.lost
            .filter((x) => x.kind === 'sidecar')
            .map((x) => ({
              copyId: x.copyId,
              newCopyId: null,
              action: `sidecar ${x.key} ${x.reason}: not repaired (restore it from the other archive's copy of the package's sidecar, or re-archive)`,
            })),
        ];
      }
      report.locations.push(l);
      report.ok &&= isClean(l, Boolean(options.repair));
    }
    console.log(options.json ? JSON.stringify(report) : formatCheckReport(report));
    process.exitCode = report.ok ? 0 : 1;
  }

  @Option({ flags: '--location <site/location>', description: 'Check only this location, e.g. cologne/lta' })
  parseLocation(value: string): string {
    return value;
  }

  @Option({
    flags: '--repair',
    description:
      'Mark lost copies LOST (audited as check) and wait for their re-replication from a good copy',
  })
  parseRepair(): boolean {
    return true;
  }

  @Option({ flags: '--json', description: 'Print the report as JSON (for scripts)' })
  parseJson(): boolean {
    return true;
  }

  @Option({
    flags: '--min-age <duration>',
    description:
      'Objects written less than this before the check are not judged dark (default 15m; 0 on a quiet system)',
  })
  parseMinAge(value: string): string {
    return value;
  }

  @Option({
    flags: '--wait <duration>',
    description: 'How long --repair waits for the workers (default 10m)',
  })
  parseWait(value: string): string {
    return value;
  }

  @Option({ flags: '--parallel <n>', description: 'Copies hashed at once per location (default 4)' })
  parseParallel(value: string): string {
    return value;
  }
}
