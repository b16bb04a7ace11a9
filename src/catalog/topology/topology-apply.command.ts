import { readFile } from 'node:fs/promises';
import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { DomainError } from '../../engine/errors/domain-error';
import { parseTopologyFile } from './topology-file';
import { showValue, TopologyChange, TopologyService } from './topology.service';

interface ApplyOptions {
  dryRun?: boolean;
}

@SubCommand({
  name: 'apply',
  arguments: '<file>',
  description:
    'Create or update the observatory, sites and locations a topology YAML file declares (never deletes)',
})
export class TopologyApplyCommand extends CommandRunner {
  constructor(private readonly topology: TopologyService) {
    super();
  }

  async run([file]: string[], options: ApplyOptions): Promise<void> {
    const raw = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
      throw new Error(
        `cannot read topology file ${file}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`,
      );
    });
    try {
      const changes = await this.topology.apply(parseTopologyFile(raw), { dryRun: options.dryRun });
      for (const line of formatChanges(changes, options.dryRun ?? false)) console.log(line);
    } catch (e) {
      // The CLI's error handler prints the message; say which file it is about.
      if (e instanceof DomainError) throw new DomainError(e.code, `${file}: ${e.message}`, e.details);
      throw e;
    }
  }

  @Option({ flags: '--dry-run', description: 'Show what would change and write nothing' })
  parseDryRun(): boolean {
    return true;
  }
}

@Command({
  name: 'topology',
  description: 'Declare sites, locations and the observatory hierarchy from a YAML file',
  subCommands: [TopologyApplyCommand],
})
export class TopologyCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}

/** One line per change (unchanged rows only counted), then a summary. */
export function formatChanges(changes: TopologyChange[], dryRun: boolean): string[] {
  const count = (action: TopologyChange['action']) => changes.filter((c) => c.action === action).length;
  const lines: string[] = [];
  for (const c of changes) {
    if (c.action === 'create') lines.push(`+ ${c.entity} ${c.key}${c.detail ? ` (${c.detail})` : ''}`);
    if (c.action === 'update') {
      const fields = Object.entries(c.fields ?? {}).map(
        ([f, [from, to]]) => `${f} ${showValue(from)} -> ${showValue(to)}`,
      );
      lines.push(`~ ${c.entity} ${c.key}: ${fields.join(', ')}`);
    }
  }
  for (const c of changes)
    if (c.action === 'absent') lines.push(`? ${c.entity} ${c.key} not in file (left as is)`);
  const unchanged = count('unchanged');
  if (unchanged > 0) lines.push(`= ${unchanged} unchanged`);
  const absent = count('absent');
  const tail = absent > 0 ? `, ${absent} not in file` : '';
  lines.push(
    dryRun
      ? `topology dry run, nothing written: ${count('create')} to create, ${count('update')} to update, ${unchanged} unchanged${tail}`
      : `topology applied: ${count('create')} created, ${count('update')} updated, ${unchanged} unchanged${tail}`,
  );
  return lines;
}
