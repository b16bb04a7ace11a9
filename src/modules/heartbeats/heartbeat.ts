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
}

export function heartbeatKey(prefix: string, type: Heartbeat['type'], name: string): string {
  return `${prefix}health:${type}:${name}`;
}
