import Redis from 'ioredis';

/** What a live process says about itself under `health:{type}:{name}` in Redis. */
export interface Heartbeat {
  type: 'worker' | 'manager' | 'api';
  name: string;
  host: string;
  pid: number;
  startedAt: string;
  beatAt: string;
  /** What it serves: its bound queues, or its manager kinds. */
  serves: string[];
  /** Its release (package version) and data-port protocol; absent in beats of builds before 0.2.0. */
  release?: string;
  protocol?: number;
}

export function heartbeatKey(prefix: string, type: Heartbeat['type'], name: string): string {
  return `${prefix}health:${type}:${name}`;
}

/** Every live process's heartbeat (and how long until it expires), sorted by type and name. */
export async function readHeartbeats(
  redis: Redis,
  prefix: string,
): Promise<{ beat: Heartbeat; ttlMs: number }[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}health:*`, 'COUNT', 500);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  if (keys.length === 0) return [];
  const values = await redis.mget(...keys);
  const ttls = await Promise.all(keys.map((k) => redis.pttl(k)));
  return values
    .map((v, i) => ({ beat: v ? (JSON.parse(v) as Heartbeat) : null, ttlMs: ttls[i] }))
    .filter((r): r is { beat: Heartbeat; ttlMs: number } => r.beat !== null)
    .sort((a, b) => a.beat.type.localeCompare(b.beat.type) || a.beat.name.localeCompare(b.beat.name));
}
