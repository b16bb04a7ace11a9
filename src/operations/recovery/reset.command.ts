import { Command, CommandRunner } from 'nest-commander';
import { WORK_KINDS, workKind } from './work-kinds';
import { WorkResetService } from './work-reset.service';
import { cliActor } from '../../config/process-environment';

@Command({
  name: 'reset',
  arguments: '<kind> <id>',
  description: `Reset failed work to pending so that it runs again; kind is one of ${WORK_KINDS.map((k) => k.name).join(', ')}`,
})
export class ResetCommand extends CommandRunner {
  constructor(private readonly resets: WorkResetService) {
    super();
  }

  async run([kind, id]: string[]): Promise<void> {
    if (!/^[0-9a-f-]{36}$/i.test(id ?? '')) throw new Error(`"${id}" is not an id (a UUID)`);
    const outcome = await this.resets.resetFailed(workKind(kind), id, cliActor());
    console.log(`${outcome.kind} ${outcome.id}: ${outcome.from} -> ${outcome.to}, retry ${outcome.retry}.`);
    console.log(`Recorded: ${outcome.reason}`);
  }
}
