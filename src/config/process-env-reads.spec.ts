import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** process.env, process['env'], or env destructured from process. */
const READS_PROCESS_ENV =
  /\bprocess\s*(\.\s*env\b|\[\s*['"`]env['"`]\s*\])|\{[^{}]*\benv\b[^{}]*\}\s*=\s*process\b/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !/\.spec\.ts$|\.d\.ts$/.test(entry.name) ? [path] : [];
  });
}

describe('reads of process.env', () => {
  it('happen only in src/config: every other file reads settings through it', () => {
    const files = ['src', 'apps'].flatMap((dir) => sourceFiles(join(ROOT, dir)));
    expect(files.length).toBeGreaterThan(100);
    const offenders = files
      .map((file) => relative(ROOT, file).split(sep).join('/'))
      .filter((file) => !file.startsWith('src/config/'))
      .filter((file) => READS_PROCESS_ENV.test(readFileSync(join(ROOT, file), 'utf8')));
    // A validated setting: ConfigService or setting(config, KEY); anything else: a function in src/config.
    expect(offenders).toEqual([]);
  });

  it('are recognised in each form', () => {
    for (const read of ['process.env.X', "process['env']", 'const { env } = process', 'process .env'])
      expect(READS_PROCESS_ENV.test(read)).toBe(true);
    for (const other of ['process.exit(1)', 'const env = {}', 'processEnv', 'process.environment'])
      expect(READS_PROCESS_ENV.test(other)).toBe(false);
  });
});
