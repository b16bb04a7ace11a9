import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { CatalogueRebuildService, RebuildRefused } from './catalogue-rebuild.service';

interface RebuildFlags {
  fromLta?: boolean;
  location?: string[];
  dryRun?: boolean;
  verify?: boolean;
  merge?: boolean;
  concurrency?: number;
}

/** Exit codes: 0 all rebuilt, 2 refused (nothing written), 3 rebuilt but problems were reported. */
const REFUSED = 2;
const PROBLEMS = 3;
const PROGRESS_EVERY_MS = 10_000;

@SubCommand({
  name: 'rebuild',
  description:
    'Recreate obs units, files, packages and archive copies from the sidecars in the long-term archives, into an ' +
    'empty catalogue (migrated, topology applied). Exit 0: rebuilt; 2: refused; 3: rebuilt with problems reported',
})
export class CatalogueRebuildCommand extends CommandRunner {
  constructor(private readonly rebuilder: CatalogueRebuildService) {
    super();
  }

  async run(_args: string[], flags: RebuildFlags): Promise<void> {
    if (!flags.fromLta)
      return refuse(
        'catalogue rebuild: give --from-lta (the long-term archives are the only source it knows)',
      );
    let lastProgress = Date.now();
    try {
      const report = await this.rebuilder.rebuild({
        locations: flags.location ?? [],
        dryRun: flags.dryRun ?? false,
        verify: flags.verify ?? false,
        merge: flags.merge ?? false,
        concurrency: flags.concurrency ?? 4,
        progress: (r) => {
          if (Date.now() - lastProgress < PROGRESS_EVERY_MS) return;
          lastProgress = Date.now();
          console.error(
            `... ${r.sidecarsRead} sidecars read, ${r.packagesCreated} packages, ${r.problems.length} problems`,
          );
        },
      });
      for (const line of report.lines(flags.dryRun ?? false)) console.log(line);
      if (report.problems.length) process.exitCode = PROBLEMS;
    } catch (err) {
      if (err instanceof RebuildRefused) return refuse(err.message);
      throw err;
    }
  }

  @Option({
    flags: '--from-lta',
    description: 'Read the sidecars of the long-term-archive locations (required)',
  })
  parseFromLta(): boolean {
    return true;
  }

  @Option({
    flags: '--location <site/location>',
    description: 'Only this long-term-archive location (repeatable); all of them by default',
  })
  parseLocation(value: string, previous: string[] = []): string[] {
    return [...previous, value];
  }

  @Option({
    flags: '--verify',
    description: "Hash every package object against its sidecar's SHA-256 (reads every byte)",
  })
  parseVerify(): boolean {
    return true;
  }

  @Option({
    flags: '--merge',
    description: 'Run into a catalogue that already holds files: add only what is missing',
  })
  parseMerge(): boolean {
    return true;
  }

  @Option({ flags: '--dry-run', description: 'Check and count everything, write nothing' })
  parseDryRun(): boolean {
    return true;
  }

  @Option({ flags: '--concurrency <n>', description: 'Packages read and written at a time (default 4)' })
  parseConcurrency(value: string): number {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > 64)
      throw new Error(`--concurrency must be an integer from 1 to 64, got ${value}`);
    return n;
  }
}

function refuse(message: string): void {
  console.error(`ccat-dt: ${message}`);
  process.exitCode = REFUSED;
}

@Command({
  name: 'catalogue',
  description: 'The catalogue of files, packages and copies: rebuild it from the long-term archives',
  subCommands: [CatalogueRebuildCommand],
})
export class CatalogueCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}
