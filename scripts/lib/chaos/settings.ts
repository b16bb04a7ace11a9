/** The knobs of a chaos run; `npm run chaos` reads them from CHAOS_* variables, the test passes small ones. */
export interface ChaosSettings {
  seed: number;
  files: number;
  obsUnits: number;
  /** Largest file; sizes are log-uniform from 1 byte up to it. */
  maxSize: number;
  /** Files registered per bulk request. */
  batch: number;
  kills: number;
  /** Mean time between two kills; each gap is drawn from [0.5, 1.5] of it. */
  killGapMs: number;
  /** A killed process is started again after a delay drawn from [restartMinMs, restartMaxMs]. */
  restartMinMs: number;
  restartMaxMs: number;
  /** How long cologne's buffer stays inactive. */
  bufferOffMs: number;
  /** TRANSFER_BANDWIDTH_LIMIT of the workers (e.g. 8MiB): slower pulls, so that kills land mid-transfer. */
  bandwidth: string;
  /** Managers processes (at least two, so one may die while the other runs the cycles). */
  managers: number;
  /** After the last fault, everything must be archived and settled within this. */
  convergeMs: number;
  database: string;
  dataRoot: string;
  logDir: string;
}

const SIZE = /^(\d+(?:\.\d+)?)(b|kb|mb|gb)?$/i;

function size(name: string, text: string): number {
  const m = SIZE.exec(text.trim());
  if (!m) throw new Error(`${name}: expected e.g. 512kb or 4mb, got ${text}`);
  const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(m[2] ?? 'b').toLowerCase() as 'b'];
  return Math.floor(Number(m[1]) * unit);
}

function int(name: string, text: string, min: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min)
    throw new Error(`${name} must be an integer of at least ${min}, not ${text}`);
  return n;
}

/** Settings from the environment (CHAOS_SEED, CHAOS_FILES, CHAOS_KILLS, ...), the full run's by default. */
export function settingsFromEnv(
  env: NodeJS.ProcessEnv,
  paths: { dataRoot: string; logDir: string },
): ChaosSettings {
  const get = (name: string, fallback: string) => env[`CHAOS_${name}`] || fallback;
  const seed = env.CHAOS_SEED ? int('CHAOS_SEED', env.CHAOS_SEED, 0) : Date.now() % 2 ** 32;
  const settings: ChaosSettings = {
    seed: seed >>> 0,
    files: int('CHAOS_FILES', get('FILES', '500'), 1),
    obsUnits: int('CHAOS_OBS_UNITS', get('OBS_UNITS', '20'), 1),
    maxSize: size('CHAOS_MAX_SIZE', get('MAX_SIZE', '8mb')),
    batch: int('CHAOS_BATCH', get('BATCH', '25'), 1),
    kills: int('CHAOS_KILLS', get('KILLS', '100'), 0),
    killGapMs: int('CHAOS_KILL_GAP_MS', get('KILL_GAP_MS', '3000'), 100),
    restartMinMs: int('CHAOS_RESTART_MIN_MS', get('RESTART_MIN_MS', '200'), 0),
    restartMaxMs: int('CHAOS_RESTART_MAX_MS', get('RESTART_MAX_MS', '3000'), 0),
    bufferOffMs: int('CHAOS_BUFFER_OFF_MS', get('BUFFER_OFF_MS', '30000'), 0),
    bandwidth: get('BANDWIDTH', '8MiB'),
    managers: int('CHAOS_MANAGERS', get('MANAGERS', '2'), 2),
    convergeMs: int('CHAOS_CONVERGE_MS', get('CONVERGE_MS', '600000'), 1000),
    database: get('DATABASE', 'ccat_chaos'),
    ...paths,
  };
  if (settings.restartMaxMs < settings.restartMinMs)
    throw new Error('CHAOS_RESTART_MAX_MS must not be below CHAOS_RESTART_MIN_MS');
  return settings;
}
