import 'reflect-metadata';
import { CommandFactory } from 'nest-commander';
import { setProcessName } from '../engine/logging/process-name';
import { CliModule } from './cli.module';
import { databaseUrlSetting } from '../config/process-environment';

type CommanderError = Error & { code?: string; exitCode?: number };

/** Commander's own usage errors: exit 2, the usual code for "you called me wrong". */
const USAGE_ERRORS = new Set([
  'commander.unknownOption',
  'commander.unknownCommand',
  'commander.missingArgument',
  'commander.optionMissingArgument',
  'commander.missingMandatoryOptionValue',
  'commander.invalidArgument',
  'commander.excessArguments',
]);

const DATABASE_ERRORS = new Set([
  '3D000',
  '28P01',
  '28000',
  'ECONNREFUSED',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EAI_AGAIN',
]);

/** Exit code of a command that needs the database and cannot reach it (as for a usage error: fix and retry). */
const NO_DATABASE = 2;

function databaseName(url: string): string {
  try {
    return decodeURIComponent(new URL(url).pathname.slice(1)) || 'ccat';
  } catch {
    return 'ccat';
  }
}

function fail(err: Error & { code?: string }): never {
  if (DATABASE_ERRORS.has(err.code ?? '')) {
    const url = databaseUrlSetting().replace(/:[^:@/]+@/, ':***@');
    console.error(
      `ccat-dt: cannot use the database at DATABASE_URL=${url}: ${err.message || err.code}. ` +
        `Set DATABASE_URL, or create the database (createdb ${databaseName(url)}) and run \`ccat-dt migrate\`.`,
    );
    process.exit(NO_DATABASE);
  }
  console.error(`ccat-dt: ${err.message || err.code}`);
  process.exit(1);
}

async function main(): Promise<void> {
  setProcessName('cli');
  await CommandFactory.run(CliModule.forArgs(process.argv.slice(2)), {
    // Nest's own start-up errors (database unreachable) come back to us as one clear line, not a trace.
    logger: false,
    abortOnError: false,
    // Commander has already printed its own message (usage errors) or the help; only the exit code is ours.
    errorHandler: (err: CommanderError) => {
      const shown = ['commander.helpDisplayed', 'commander.help', 'commander.version'].includes(
        err.code ?? '',
      );
      process.exit(shown ? 0 : USAGE_ERRORS.has(err.code ?? '') ? 2 : (err.exitCode ?? 1));
    },
    serviceErrorHandler: fail,
  });
}

main().catch(fail);
