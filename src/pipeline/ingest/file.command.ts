import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { AmendmentOutcome, FileAmendmentService } from './file-amendment.service';
import { cliActor } from '../../config/process-environment';

function print(o: AmendmentOutcome): void {
  const before = `${o.before.size} bytes, sha256 ${o.before.sha256}`;
  console.log(
    o.after
      ? `${o.path} accepted: registered as ${o.after.size} bytes, sha256 ${o.after.sha256} (was ${before}).`
      : `${o.path} withdrawn (was ${before}): it stays where it is and the pipeline leaves it alone.`,
  );
  if (o.package) console.log(`Package ${o.package.name}: ${o.package.outcome}.`);
}

abstract class AmendCommand extends CommandRunner {
  @Option({
    flags: '--reason <text>',
    description: 'Why (required; kept in the audit trail)',
    required: true,
  })
  parseReason(value: string): string {
    return value;
  }
}

@SubCommand({
  name: 'accept',
  arguments: '<file>',
  description:
    "Record a file's bytes now at its source as its registration (it changed after registering); <file> is its id or path. Run where the source is reachable",
})
export class FileAcceptCommand extends AmendCommand {
  constructor(private readonly amendments: FileAmendmentService) {
    super();
  }

  async run([file]: string[], options: { reason: string }): Promise<void> {
    print(await this.amendments.accept(file, options.reason, cliActor()));
  }
}

@SubCommand({
  name: 'withdraw',
  arguments: '<file>',
  description:
    'Take a file out of the pipeline: out of its package, which is packed again without it; its bytes stay and are never deleted by the pipeline',
})
export class FileWithdrawCommand extends AmendCommand {
  constructor(private readonly amendments: FileAmendmentService) {
    super();
  }

  async run([file]: string[], options: { reason: string }): Promise<void> {
    print(await this.amendments.withdraw(file, options.reason, cliActor()));
  }
}

@Command({
  name: 'file',
  description: 'The way out for a file that changed at its source: accept it as it is now, or withdraw it',
  subCommands: [FileAcceptCommand, FileWithdrawCommand],
})
export class FileCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}
