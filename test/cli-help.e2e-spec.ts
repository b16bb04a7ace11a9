import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { INestApplicationContext } from '@nestjs/common';
import { CommandFactory } from 'nest-commander';
import { Commander } from 'nest-commander/src/constants';
import type { Command } from 'commander';
import { DataSource } from 'typeorm';
import { CliModule } from '../src/cli/cli.module';

const ROOT = join(__dirname, '..');
const NO_DATABASE = 'postgres://postgres@127.0.0.1:5432/ccat_does_not_exist';

/** Every command and subcommand path of the program, e.g. `deletion plan`. */
function paths(cmd: Command, prefix: string[] = []): { path: string[]; cmd: Command }[] {
  return cmd.commands.flatMap((c) => [
    { path: [...prefix, c.name()], cmd: c },
    ...paths(c, [...prefix, c.name()]),
  ]);
}

/**
 * The first command a new operator types works anywhere: usage for every command with a DATABASE_URL
 * whose database does not exist and no Redis; a command that needs the database says which and how.
 */
describe('ccat-dt without a database', () => {
  let app: INestApplicationContext;
  const env = { DATABASE_URL: NO_DATABASE, REDIS_URL: 'redis://127.0.0.1:1' };

  beforeAll(async () => {
    Object.assign(process.env, env);
    app = await CommandFactory.createWithoutRunning(CliModule.forArgs(['--help']), { logger: false });
  });
  afterAll(() => app?.close());

  it("prints every command's --help in one process, connecting to nothing", () => {
    const program = app.get<Command>(Commander);
    const all = paths(program);
    expect(all.length).toBeGreaterThan(20);
    for (const { path, cmd } of all) {
      const help = cmd.helpInformation();
      expect({ path: path.join(' '), usage: /^Usage: /.test(help) }).toEqual({
        path: path.join(' '),
        usage: true,
      });
      expect(help).toContain(cmd.name());
    }
    expect(app.get(DataSource).isInitialized).toBe(false);
  });

  it('the built CLI: --help and a subcommand --help exit 0; a command that needs the database exits 2 naming DATABASE_URL and the fix', () => {
    const run = (args: string[]) =>
      spawnSync(process.execPath, [join(ROOT, 'bin', 'ccat-dt.js'), ...args], {
        env: { ...process.env, ...env },
        encoding: 'utf8',
      });
    const top = run(['--help']);
    expect(top.status).toBe(0);
    expect(top.stdout).toMatch(/Usage: ccat-dt .*\n[\s\S]*explain/);
    const explain = run(['explain', '--help']);
    expect(explain.status).toBe(0);
    expect(explain.stdout).toContain('Usage: ccat-dt explain');
    const status = run(['status']);
    expect(status.status).toBe(2);
    expect(status.stderr.trim().split('\n')).toHaveLength(1);
    expect(status.stderr).toContain('DATABASE_URL=postgres://postgres@127.0.0.1:5432/ccat_does_not_exist');
    expect(status.stderr).toContain('createdb ccat_does_not_exist');
    expect(status.stderr).toContain('ccat-dt migrate');
  });
});
