import { Fleet } from './fleet';
import { PrivateRedis } from './redis-server';
import { PlannedFault } from './schedule';

export interface FaultRecord {
  /** Milliseconds since the chaos started. */
  t: number;
  at: Date;
  kind: 'kill' | 'restart' | 'redis-restart' | 'buffer-off' | 'buffer-on';
  what: string;
}

export interface FaultTargets {
  fleet: Fleet;
  redis: PrivateRedis;
  /** Deactivates or activates a location the way an operator does (the GraphQL mutation). */
  setLocationActive(site: string, location: string, active: boolean): Promise<void>;
}

type Step = { at: number; run: () => Promise<void> };

/**
 * Plays the planned faults against the running processes: kills (each followed by its restart), the
 * Redis restart, the buffer switched off and on again; logs each as it happens. Resolves when the last
 * has happened, with the log.
 */
export async function playFaults(
  plan: PlannedFault[],
  targets: FaultTargets,
  say: (line: string) => void,
): Promise<FaultRecord[]> {
  const start = Date.now();
  const log: FaultRecord[] = [];
  const record = (kind: FaultRecord['kind'], what: string) => {
    const entry = { t: Date.now() - start, at: new Date(), kind, what };
    log.push(entry);
    say(
      `  [+${(entry.t / 1000).toFixed(1).padStart(6)} s ${entry.at.toISOString().slice(11, 23)}] ${kind} ${what}`,
    );
  };
  const steps: Step[] = plan.map((fault) => ({ at: fault.at, run: () => play(fault) }));
  const later = (at: number, run: () => Promise<void>) => steps.push({ at, run });

  async function play(fault: PlannedFault): Promise<void> {
    const { fleet } = targets;
    if (fault.kind === 'kill') {
      // The planned victim may still be down from an earlier kill: the next one up in order dies instead.
      const names = fleet.names;
      const from = names.indexOf(fault.target);
      const victim = [...names.slice(from), ...names.slice(0, from)].find((n) => fleet.isUp(n));
      if (!victim) return record('kill', `skipped: every process is down`);
      await fleet.kill(victim);
      record('kill', `${victim} (SIGKILL; back in ${fault.downMs} ms)`);
      later(Date.now() - start + fault.downMs, async () => {
        fleet.restart(victim);
        record('restart', victim);
      });
    } else if (fault.kind === 'redis-restart') {
      record(
        'redis-restart',
        `SIGKILL redis-server :${targets.redis.port}, no persistence, down ${fault.downMs} ms`,
      );
      await targets.redis.restart(fault.downMs);
      record('redis-restart', `redis-server :${targets.redis.port} back, empty`);
    } else {
      await targets.setLocationActive(fault.site, fault.location, false);
      record('buffer-off', `${fault.site}/${fault.location} deactivated for ${fault.forMs} ms`);
      later(Date.now() - start + fault.forMs, async () => {
        await targets.setLocationActive(fault.site, fault.location, true);
        record('buffer-on', `${fault.site}/${fault.location} activated again`);
      });
    }
  }

  while (steps.length) {
    steps.sort((a, b) => a.at - b.at);
    const next = steps.shift()!;
    const wait = start + next.at - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    await next.run();
  }
  return log;
}
