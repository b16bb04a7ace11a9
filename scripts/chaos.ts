import { join } from 'node:path';
import { ROOT } from './lib/processes';
import { runChaos } from './lib/chaos/run';
import { settingsFromEnv } from './lib/chaos/settings';

/**
 * `npm run chaos`: the pipeline under faults. 500 files (CHAOS_FILES) registered in batches across the demo
 * topology while a seeded driver (CHAOS_SEED) SIGKILLs random workers and managers 100 times (CHAOS_KILLS)
 * and starts them again, restarts Redis once without persistence, and takes cologne's buffer out of service
 * for a while; then checks that every file is verified at both archives, every PRESENT copy matches its
 * storage, no copy is duplicated, nothing left SOURCE before its rule held, and all settled within ten
 * minutes of the last fault. Exits non-zero with what failed.
 */
async function main(): Promise<void> {
  const settings = settingsFromEnv(process.env, {
    dataRoot: process.env.CCAT_DATA_ROOT ?? join(ROOT, 'chaos-data'),
    logDir: join(ROOT, 'chaos-logs'),
  });
  const say = (line: string) => console.log(line);
  say(`== Chaos run, CHAOS_SEED=${settings.seed} (set it to replay this run's faults)`);
  say(`   ${JSON.stringify({ ...settings, seed: undefined })}`);
  const report = await runChaos(settings, say);
  report.print(say);
  process.exitCode = report.failures().length ? 1 : 0;
}

main().catch((err: Error) => {
  console.error(`\nchaos run failed: ${err.stack ?? err.message}`);
  process.exit(1);
});
