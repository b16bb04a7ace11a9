import { printTable } from '../../engine/report/report-table';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { DataSource } from 'typeorm';
import { Environment } from '../../config/environment';
import { safeSitesOfPackages } from '../../catalog/physical-copies/package-safety';
import { awaitingWitness, waitsForWitness } from './archive-witness';
import { deletionPolicyFrom, findDeletable } from './deletion-rules';
import { DeletionSwitchService } from './deletion-switch.service';
import { cliActor } from '../../config/process-environment';

@SubCommand({
  name: 'pause',
  description: 'Stop every deletion: nothing is scheduled or started until resume',
})
export class DeletionPauseCommand extends CommandRunner {
  constructor(private readonly deletionSwitch: DeletionSwitchService) {
    super();
  }

  async run(_args: string[], options: { reason?: string }): Promise<void> {
    const { inProgress } = await this.deletionSwitch.set(true, cliActor(), options.reason);
    console.log(
      `Deletion paused. No deletion starts from now on` +
        (inProgress ? `; ${inProgress} already removing bytes will finish.` : '.'),
    );
  }

  @Option({ flags: '--reason <text>', description: 'Why (shown by status and explain)' })
  parseReason(value: string): string {
    return value;
  }
}

@SubCommand({ name: 'resume', description: 'Let deletions run again' })
export class DeletionResumeCommand extends CommandRunner {
  constructor(private readonly deletionSwitch: DeletionSwitchService) {
    super();
  }

  async run(): Promise<void> {
    await this.deletionSwitch.set(false, cliActor());
    console.log('Deletion resumed.');
  }
}

@SubCommand({ name: 'status', description: 'Is deletion paused, by whom and why' })
export class DeletionStatusCommand extends CommandRunner {
  constructor(private readonly deletionSwitch: DeletionSwitchService) {
    super();
  }

  async run(): Promise<void> {
    const s = await this.deletionSwitch.state();
    console.log(
      s.paused
        ? `Deletion is PAUSED since ${s.changedAt?.toISOString()} by ${s.changedBy}${s.reason ? `: ${s.reason}` : ''}.`
        : 'Deletion is running.',
    );
  }
}

@SubCommand({
  name: 'plan',
  description: 'Dry run: what the deletion rules would let go now, and by which rule (nothing is changed)',
})
export class DeletionPlanCommand extends CommandRunner {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: ConfigService<Environment, true>,
    private readonly deletionSwitch: DeletionSwitchService,
  ) {
    super();
  }

  async run(_args: string[], options: { location?: string; limit?: number }): Promise<void> {
    let locationId: number | undefined;
    if (options.location) {
      const [row] = await this.dataSource.query(
        `SELECT l.id FROM data_location l JOIN site s ON s.id = l.site_id WHERE s.short_name || '_' || l.name = $1`,
        [options.location],
      );
      if (!row)
        throw new Error(`no location ${options.location} (expected <site>_<location>, e.g. ccat_buffer)`);
      locationId = row.id;
    }
    const policy = deletionPolicyFrom(this.config);
    const candidates = await findDeletable(this.dataSource.manager, policy, {
      limit: options.limit ?? 1000,
      locationId,
      witnessing: 'unwitnessed',
    });
    const packageIds = candidates.flatMap((c) => (c.packageId ? [c.packageId] : []));
    const sites = await safeSitesOfPackages(this.dataSource.manager, packageIds);
    const unwitnessed = await awaitingWitness(this.dataSource, policy, candidates);
    if ((await this.deletionSwitch.state()).paused)
      console.log('Deletion is PAUSED: nothing below goes until `ccat-dt deletion resume`.');
    if (candidates.length === 0) {
      console.log('Nothing would be deleted now.');
      return;
    }
    printTable(
      candidates.map((c) => ({
        location: `${c.site}_${c.location}`,
        path: c.relativePath,
        bytes: c.size,
        since: c.createdAt.toISOString(),
        rule: c.rule,
        'package safe at': c.packageId ? (sites.get(c.packageId) ?? []).join(', ') : '-',
        'waits for': waitsForWitness(unwitnessed, c) ? 'archive presence checks' : '-',
      })),
    );
    console.log(
      `Safe means ARCHIVED with verified copies at ${policy.minLtaSites} distinct archive sites; each counted ` +
        `copy is also confirmed by its storage within ${policy.witnessMaxAgeMs / 1000} s before a copy goes.`,
    );
    const bytes = candidates.reduce((s, c) => s + c.size, 0);
    console.log(`${candidates.length} copies, ${bytes} bytes would be deleted.`);
  }

  @Option({
    flags: '--location <site_location>',
    description: 'Only this location, e.g. ccat_telescope_computer',
  })
  parseLocation(value: string): string {
    return value;
  }

  @Option({ flags: '--limit <n>', description: 'At most this many copies (default 1000)' })
  parseLimit(value: string): number {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new Error('--limit must be a positive integer');
    return n;
  }
}

@Command({
  name: 'deletion',
  description: 'Pause, resume or dry-run deletion',
  subCommands: [DeletionPauseCommand, DeletionResumeCommand, DeletionStatusCommand, DeletionPlanCommand],
})
export class DeletionCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}
