import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { cliActor } from '../../config/process-environment';
import { ObsUnitPriority } from './obs-unit-priority';
import { ObsUnitPriorityService } from './obs-unit-priority.service';

@SubCommand({
  name: 'set',
  arguments: '<obs-unit> <priority>',
  description:
    'Mark an executed obs unit urgent (high) or not (normal); <obs-unit> is its id, or its name if executed once. ' +
    'Audited, shown by `explain`; its queued jobs move at once',
})
export class PrioritySetCommand extends CommandRunner {
  constructor(private readonly priorities: ObsUnitPriorityService) {
    super();
  }

  async run([ref, priority]: string[], options: { reason?: string }): Promise<void> {
    const o = await this.priorities.set(ref, priority as ObsUnitPriority, cliActor(), options.reason ?? null);
    console.log(
      o.changed
        ? `obs unit ${o.obsUnit} (${o.id}): priority ${o.from} -> ${o.to}.`
        : `obs unit ${o.obsUnit} (${o.id}) already has priority ${o.to}: nothing changed.`,
    );
    console.log(`${o.jobsMoved} queued job(s) moved to priority ${o.to}.`);
  }

  @Option({ flags: '--reason <text>', description: 'Why (kept in the audit trail)' })
  parseReason(value: string): string {
    return value;
  }
}

@Command({
  name: 'priority',
  description: "An obs unit's priority: high sends its data ahead of the backlog",
  subCommands: [PrioritySetCommand],
})
export class PriorityCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}
