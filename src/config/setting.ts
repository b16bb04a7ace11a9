import { ConfigService } from '@nestjs/config';
import { Environment } from './environment';

/** Every setting's default, from its one declaration in Environment. */
const DEFAULTS = new Environment();

/** A setting's default, as declared in Environment. */
export function settingDefault<K extends keyof Environment>(key: K): Environment[K] {
  return DEFAULTS[key];
}

/**
 * A setting's value. A validated configuration always has it; a ConfigService built by hand (a unit test,
 * a script) may not, and then the default declared in Environment applies, never one repeated here.
 */
export function setting<K extends keyof Environment>(
  config: Pick<ConfigService<Environment, true>, 'get'> | undefined,
  key: K,
): Environment[K] {
  return (config?.get(key, { infer: true }) as Environment[K] | undefined) ?? DEFAULTS[key];
}
