import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { ApiSettings } from './api-settings';
import { ManagerSafetySettings } from './manager-safety-settings';
import { ManagerSettings } from './manager-settings';
import { RelaySettings } from './relay-settings';
import { SecuritySettings } from './security-settings';
import { SharedSettings } from './shared-settings';
import { WorkerSettings } from './worker-settings';

class NoSettings {}

/**
 * Every setting the processes read, validated once at boot. A bad value stops start-up with a message
 * that names the variable, rather than failing later in the middle of a transfer.
 *
 * Each setting, with its default, is declared once, in the file of the role that reads it: shared-settings.ts
 * (every process), api-settings.ts, relay-settings.ts, worker-settings.ts, manager-settings.ts,
 * manager-safety-settings.ts (deletion, fixity, alerts) and security-settings.ts. A refusal lists the
 * problems group by group, in this order.
 */
export class Environment extends SecuritySettings(
  ManagerSafetySettings(
    ManagerSettings(WorkerSettings(RelaySettings(ApiSettings(SharedSettings(NoSettings))))),
  ),
) {}

/** Settings renamed in this release: the old name still works, with a warning, until the next. */
const RENAMED: Record<string, keyof Environment> = { DELETION_MIN_LTA_COPIES: 'DELETION_MIN_LTA_SITES' };

/** Takes a renamed setting's old name for its new one; both set to different values stop start-up. */
function withRenamedSettings(defined: Record<string, unknown>): Record<string, unknown> {
  const out = { ...defined };
  for (const [old, current] of Object.entries(RENAMED)) {
    if (!(old in defined)) continue;
    if (current in defined && String(defined[current]) !== String(defined[old]))
      throw new Error(
        `Invalid configuration:\n  ${old} (deprecated) and ${current} are both set, to different values: set only ${current}`,
      );
    if (!(current in defined)) {
      process.emitWarning(`${old} is deprecated and will be removed in the next release: set ${current}`, {
        type: 'DeprecationWarning',
        code: `CCAT_${old}`,
      });
      out[current] = defined[old];
    }
    delete out[old];
  }
  return out;
}

export function validateEnvironment(raw: Record<string, unknown>): Environment {
  const defined = withRenamedSettings(
    Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined && v !== '')),
  );
  const env = plainToInstance(Environment, defined, { exposeDefaultValues: true });
  const errors = validateSync(env, { skipMissingProperties: false });
  if (errors.length > 0) {
    // The variable and what is wrong with it, never its value: settings hold passwords (DATABASE_URL,
    // REDIS_URL, the tokens), and start-up errors end up in logs.
    const lines = errors.flatMap((e) =>
      Object.values(e.constraints ?? {}).map(
        (m) => `  ${e.property} (${e.property in defined ? 'set; its value is not shown' : 'not set'}): ${m}`,
      ),
    );
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return env;
}

/** For code that runs outside Nest (migrations CLI data source, scripts). */
export function loadEnvironment(): Environment {
  return validateEnvironment(process.env);
}
