import { hostname } from 'node:os';
import { processNameSetting } from '../../config/process-environment';

let processName: string | undefined;
let processRole = 'process';

/**
 * The name this process writes into `claimedBy` and audit events, e.g. `worker-ccat-host1-4242`.
 * Recovery later tells a dead claim from a slow one by matching it against heartbeats.
 */
export function setProcessName(role: string): string {
  processRole = role;
  processName = processNameSetting() || `${role}-${hostname()}-${process.pid}`;
  return processName;
}

export function getProcessName(): string {
  return processName ?? setProcessName('process');
}

/** What this process is, without host or pid (`api`, `worker-ccat`): a label that survives restarts. */
export function getProcessRole(): string {
  return processRole;
}
