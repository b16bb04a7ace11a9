import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { printTable } from '../../../engine/report/report-table';
import { cliActor } from '../../../config/process-environment';
import { ArchiveRetirementService, RetirementPlan } from './archive-retirement.service';

@SubCommand({
  name: 'retire',
  arguments: '<site/location>',
  description:
    'Retire a long-term archive: it takes no new copies and what it holds is re-homed (--plan: only show what depends on it)',
})
export class LocationRetireCommand extends CommandRunner {
  constructor(private readonly retirement: ArchiveRetirementService) {
    super();
  }

  async run([ref]: string[], options: { plan?: boolean }): Promise<void> {
    if (options.plan) {
      printPlan(await this.retirement.plan(ref));
      return;
    }
    const plan = await this.retirement.retire(ref);
    console.log(
      `${ref} is retiring: it takes no new copies, and the archive reconciler re-homes what it holds. ` +
        'Say `retiring: true` for it in your topology file too, or the next apply of the file takes it back.',
    );
    printPlan(plan);
  }

  @Option({ flags: '--plan', description: 'Change nothing: list what still depends on the location' })
  parsePlan(): boolean {
    return true;
  }
}

@SubCommand({
  name: 'empty',
  arguments: '<site/location>',
  description: 'Remove a retired archive’s objects, each once it is safe without them (needs --confirm)',
})
export class LocationEmptyCommand extends CommandRunner {
  constructor(private readonly retirement: ArchiveRetirementService) {
    super();
  }

  async run([ref]: string[], options: { confirm?: boolean }): Promise<void> {
    if (!options.confirm) {
      printPlan(await this.retirement.plan(ref));
      console.log(`Nothing was changed: add --confirm to remove ${ref}'s objects.`);
      return;
    }
    const plan = await this.retirement.empty(ref, cliActor());
    console.log(
      `${ref} is being emptied (asked by ${plan.emptyingRequestedBy} at ${plan.emptyingRequestedAt?.toISOString()}): ` +
        `each of its ${plan.copies} package copies goes once the deletion rule for it holds, asked again by its worker.`,
    );
  }

  @Option({ flags: '--confirm', description: 'Really remove the objects' })
  parseConfirm(): boolean {
    return true;
  }
}

@Command({
  name: 'location',
  description: 'Retire and empty a long-term-archive location',
  subCommands: [LocationRetireCommand, LocationEmptyCommand],
})
export class LocationCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}

function printPlan(p: RetirementPlan): void {
  const state = p.emptyingRequestedAt
    ? `being emptied since ${p.emptyingRequestedAt.toISOString()} (asked by ${p.emptyingRequestedBy})`
    : p.retiring
      ? 'retiring'
      : 'not retiring';
  console.log(`${p.location}: ${state}${p.active ? '' : ', INACTIVE (its worker does not serve it)'}`);
  console.log(
    `  ${p.copies} package copies (${p.bytes} bytes) held; ${p.free} could leave now, ${p.dependentCount} still depend on it; ` +
      `${p.removed} removed, ${p.lost} lost`,
  );
  if (p.dependentCount === 0) {
    console.log(
      p.copies === 0
        ? '  Nothing is held there any more.'
        : `  Nothing depends on it: \`ccat-dt location empty ${p.location} --confirm\` may remove its objects.`,
    );
    return;
  }
  printTable(p.dependents.map((d) => ({ package: d.path, 'stays because': d.reasons.join('; ') })));
  if (p.dependentCount > p.dependents.length)
    console.log(`  … and ${p.dependentCount - p.dependents.length} more.`);
}
