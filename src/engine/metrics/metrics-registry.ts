import { collectDefaultMetrics, Registry } from 'prom-client';
import { getProcessRole } from '../logging/process-name';

/**
 * The one registry of this process: every metric of ours is registered here (not in prom-client's global
 * registry, which libraries may also write to), and /metrics serves exactly this.
 */
export const metricsRegistry = new Registry();

let defaultsStarted = false;

/**
 * Node's process metrics (CPU, memory, event loop lag, GC) with our prefix, and the `role` label on every
 * series (`api`, `worker-ccat`, `worker-managers`). Called when the app starts, not at import, because the
 * role is known only once main.ts has named the process; idempotent, since tests boot apps more than once.
 */
export function startDefaultMetrics(): void {
  metricsRegistry.setDefaultLabels({ role: getProcessRole() });
  if (defaultsStarted) return;
  defaultsStarted = true;
  collectDefaultMetrics({ register: metricsRegistry, prefix: 'ccat_' });
}
