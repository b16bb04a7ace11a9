import { ServingGaps } from '../../engine/queues/queue-coverage';
import type { Condition } from './alert-conditions';

/**
 * The alerts of the serving gaps (queue-coverage.ts): one `no_worker` per site none of whose queues a live
 * worker serves, and one `queue_unserved` per queue no live worker serves at the other sites, so that a
 * site that is down entirely is one alert, not one per queue.
 */
export function unservedConditions(gaps: ServingGaps): Condition[] {
  const sites: Condition[] = gaps.sitesWithoutWorker.map((site) => ({
    key: `no_worker:${site}`,
    kind: 'no_worker',
    severity: 'critical',
    message: `no live worker serves the locations of ${site}: nothing moves there`,
    details: { site },
  }));
  const queues: Condition[] = gaps.unservedQueues
    .filter((q) => !gaps.sitesWithoutWorker.includes(q.site))
    .map((q) => ({
      key: `queue_unserved:${q.name}`,
      kind: 'queue_unserved',
      severity: 'critical',
      message:
        `no live worker serves the queue ${q.name} (${q.operation} at ${q.site}/${q.location}): its work waits; ` +
        `start a worker with --site ${q.site}, or add it to one's --queues or --operations`,
      details: { queue: q.name, site: q.site, location: q.location, operation: q.operation },
    }));
  return [...sites, ...queues];
}

/**
 * Which conditions have held for a while, as this process saw them. The clock of a condition starts at
 * the first cycle that finds it, and starts again when this process has not looked for longer than
 * `forgetAfterMs` (another managers process ran the cycles meanwhile: the condition may have cleared in
 * between). A process that just started remembers nothing, so a freshly started system waits the whole
 * period before its first such alert.
 */
export class HeldConditions {
  private readonly seen = new Map<string, { since: number; last: number }>();

  /** The keys among `keys` that have held for `waitMs` at `now`. */
  held(keys: string[], waitMs: number, forgetAfterMs: number, now = Date.now()): Set<string> {
    const current = new Set(keys);
    for (const key of this.seen.keys()) if (!current.has(key)) this.seen.delete(key);
    const held = new Set<string>();
    for (const key of current) {
      const before = this.seen.get(key);
      const since = before && now - before.last <= forgetAfterMs ? before.since : now;
      this.seen.set(key, { since, last: now });
      if (now - since >= waitMs) held.add(key);
    }
    return held;
  }
}
