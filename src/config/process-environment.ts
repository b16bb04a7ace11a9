import { settingDefault } from './setting';

/*
 * The reads of process.env that are not the settings validated at boot (environment.ts), because they
 * happen before Nest starts or name a variable chosen at run time. Outside src/config, process.env is read
 * only through these (process-env-reads.spec.ts checks it).
 */

/** PROCESS_NAME as set, read before the settings are validated (the name is needed first). */
export function processNameSetting(): string | undefined {
  return process.env.PROCESS_NAME;
}

/** Who a CLI command records in the audit trail: `cli:` and the operator's login. */
export function cliActor(): string {
  return `cli:${process.env.USER ?? 'operator'}`;
}

/** A credential in the environment variable a location names (its S3 keys); undefined if it is not set. */
export function credentialFromEnvironment(name: string): string | undefined {
  return process.env[name];
}

/** The variables a topology file's `${VAR}` may name: the whole environment, as it is now. */
export function topologyFileVariables(): NodeJS.ProcessEnv {
  return process.env;
}

/** DATABASE_URL as set, or its default: for the CLI's message when the database cannot be reached. */
export function databaseUrlSetting(): string {
  return process.env.DATABASE_URL ?? settingDefault('DATABASE_URL');
}

/**
 * The api app's role, needed before its modules are loaded (they differ by role): `--role <role>` among
 * the arguments sets API_ROLE, which the validation then checks; else API_ROLE as set, else its default.
 */
export function apiRoleFromArguments(argv: string[]): string {
  const at = argv.indexOf('--role');
  if (at >= 0) process.env.API_ROLE = argv[at + 1] ?? '';
  return process.env.API_ROLE || settingDefault('API_ROLE');
}
