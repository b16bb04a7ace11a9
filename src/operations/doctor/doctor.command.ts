import { Command, CommandRunner, Option } from 'nest-commander';
import { DoctorService } from './doctor.service';

@Command({
  name: 'doctor',
  description:
    'Check what this deployment needs from here, one row each with the fix: database and migrations, Redis, clock, ' +
    'the locations served (disk: exists, writable, space; S3: credentials, a probe object under .ccat-doctor/), ' +
    "buffers' data ports with TRANSFER_TOKEN, live workers and their releases. Exit 1 on any FAIL.",
})
export class DoctorCommand extends CommandRunner {
  constructor(private readonly doctor: DoctorService) {
    super();
  }

  async run(_args: string[], options: { site?: string; json?: boolean }): Promise<void> {
    const checks = await this.doctor.run({ site: options.site });
    const failed = checks.filter((c) => c.status === 'FAIL').length;
    if (options.json) console.log(JSON.stringify({ ok: failed === 0, checks }, null, 2));
    else {
      const width = Math.max(...checks.map((c) => c.check.length));
      for (const c of checks) {
        console.log(`${c.status.padEnd(4)}  ${c.check.padEnd(width)}  ${c.detail}`);
        if (c.fix) console.log(`${' '.repeat(width + 8)}fix: ${c.fix}`);
      }
      console.log(failed ? `\n${failed} check(s) failed.` : '\nEverything checked is fine.');
    }
    process.exitCode = failed ? 1 : 0;
  }

  @Option({ flags: '--site <short-name>', description: 'Only what the worker of this site serves' })
  parseSite(value: string): string {
    return value;
  }

  @Option({ flags: '--json', description: 'Machine-readable output' })
  parseJson(): boolean {
    return true;
  }
}
