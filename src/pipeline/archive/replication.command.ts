import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { cliActor } from '../../config/process-environment';
import { EVERY_SITE_HOLDS_ALL, pauseLine } from './replication-progress';
import { ReplicationSwitchService } from './replication-switch.service';

interface SiteOptions {
  site?: string;
  reason?: string;
}

const SITE_OPTION = {
  flags: '--site <short name>',
  description: 'Only replication into this archive site (default: every site)',
};

@SubCommand({
  name: 'pause',
  description: 'Plan no new replication into a site (or all); transfers already planned finish',
})
export class ReplicationPauseCommand extends CommandRunner {
  constructor(private readonly replication: ReplicationSwitchService) {
    super();
  }

  @Option(SITE_OPTION)
  parseSite(value: string): string {
    return value;
  }

  async run(_args: string[], options: SiteOptions): Promise<void> {
    await this.replication.pause(options.site, cliActor(), options.reason);
    console.log(
      `Replication into ${options.site ?? 'every archive site'} paused: nothing new is planned until ` +
        '`ccat-dt replication resume`; transfers already planned finish.',
    );
  }

  @Option({ flags: '--reason <text>', description: 'Why (shown by status and the console)' })
  parseReason(value: string): string {
    return value;
  }
}

@SubCommand({ name: 'resume', description: 'Plan replication into a site (or every site) again' })
export class ReplicationResumeCommand extends CommandRunner {
  constructor(private readonly replication: ReplicationSwitchService) {
    super();
  }

  @Option(SITE_OPTION)
  parseSite(value: string): string {
    return value;
  }

  async run(_args: string[], options: SiteOptions): Promise<void> {
    await this.replication.resume(options.site, cliActor());
    const allPaused = (await this.replication.pauses()).find((p) => p.site === null);
    console.log(
      options.site === undefined
        ? 'Replication resumed into every archive site.'
        : allPaused
          ? `Replication into ${options.site} resumed, but replication into every site is still paused ` +
            '(`ccat-dt replication resume` lifts that).'
          : `Replication into ${options.site} resumed.`,
    );
  }
}

@SubCommand({
  name: 'status',
  description: 'The backfill of each archive site: packages held, bytes to go, time to go, pauses',
})
export class ReplicationStatusCommand extends CommandRunner {
  constructor(private readonly replication: ReplicationSwitchService) {
    super();
  }

  @Option(SITE_OPTION)
  parseSite(value: string): string {
    return value;
  }

  async run(_args: string[], options: SiteOptions): Promise<void> {
    const site = options.site;
    if (site !== undefined) await this.replication.checkSite(site);
    const progress = await this.replication.progress();
    const mine = <T extends { site: string | null }>(rows: T[], orAll: boolean) =>
      site === undefined ? rows : rows.filter((r) => r.site === site || (orAll && r.site === null));
    for (const p of mine(progress.pauses, true)) console.log(pauseLine(p));
    const sites = mine(progress.sites, false);
    if (sites.length) for (const s of sites) console.log(s.summary);
    else console.log(site === undefined ? EVERY_SITE_HOLDS_ALL : `${site} holds every archived package`);
  }
}

@Command({
  name: 'replication',
  description: 'Archive-to-archive replication (backfill): progress, pause, resume',
  subCommands: [ReplicationStatusCommand, ReplicationPauseCommand, ReplicationResumeCommand],
})
export class ReplicationCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}
