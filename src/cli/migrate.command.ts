import { InjectDataSource } from '@nestjs/typeorm';
import { Command, CommandRunner, Option } from 'nest-commander';
import { DataSource } from 'typeorm';
import { revertMigrations, runMigrations } from '../database/migrate';

interface MigrateOptions {
  revert?: number;
}

@Command({ name: 'migrate', description: 'Apply pending database migrations (under an advisory lock)' })
export class MigrateCommand extends CommandRunner {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    super();
  }

  async run(_args: string[], options: MigrateOptions): Promise<void> {
    if (options.revert !== undefined) {
      const reverted = await revertMigrations(this.dataSource, options.revert);
      console.log(`Reverted ${reverted} migration(s).`);
      return;
    }
    const applied = await runMigrations(this.dataSource);
    if (applied.length === 0) console.log('Database is up to date.');
    for (const m of applied) console.log(`Applied ${m.name}`);
  }

  @Option({ flags: '--revert <count>', description: 'Revert the last <count> migrations instead' })
  parseRevert(value: string): number {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new Error('--revert takes a positive whole number');
    return n;
  }
}
