import { Prng } from './prng';
import { ChaosSettings } from './settings';

export type PlannedFault =
  | { at: number; kind: 'kill'; target: string; downMs: number }
  | { at: number; kind: 'redis-restart'; downMs: number }
  | { at: number; kind: 'buffer-off'; site: string; location: string; forMs: number };

export interface ChaosPlan {
  faults: PlannedFault[];
  /** When the chaos is over (the last planned fault, before restarts): registrations spread over it. */
  windowMs: number;
  /** Every file's size, in registration order. */
  sizes: number[];
}

/**
 * The whole run's faults and sizes, drawn from the seed before anything starts: the same seed plans the
 * same kills of the same processes at the same offsets. (Which work a kill interrupts still depends on
 * the machine's speed.)
 */
export function planChaos(settings: ChaosSettings, processes: string[]): ChaosPlan {
  const prng = new Prng(settings.seed);
  const sizes = Array.from({ length: settings.files }, () => prng.logUniform(settings.maxSize));
  const faults: PlannedFault[] = [];
  let at = 2_000;
  for (let i = 0; i < settings.kills; i++) {
    at += Math.round(settings.killGapMs * (0.5 + prng.next()));
    const target = prng.pick(processes);
    faults.push({ at, kind: 'kill', target, downMs: prng.int(settings.restartMinMs, settings.restartMaxMs) });
  }
  // Without kills the chaos still lasts long enough for the other faults to land on work in flight.
  const windowMs = Math.max(at, 60_000);
  faults.push({
    at: Math.round(windowMs * (0.3 + 0.3 * prng.next())),
    kind: 'redis-restart',
    downMs: prng.int(500, 2_000),
  });
  faults.push({
    at: Math.round(windowMs * (0.1 + 0.3 * prng.next())),
    kind: 'buffer-off',
    site: 'cologne',
    location: 'buffer',
    forMs: settings.bufferOffMs,
  });
  faults.sort((a, b) => a.at - b.at);
  return { faults, windowMs, sizes };
}
