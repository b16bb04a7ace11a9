import { hostname } from 'node:os';

let processName: string | undefined;

/**
 * The name this process writes into `claimedBy` and audit events, e.g. `worker-ccat-host1-4242`.
 * Recovery later tells a dead claim from a slow one by matching it against heartbeats.
 */
export function setProcessName(role: string): string {
  processName = process.env.PROCESS_NAME || `${role}-${hostname()}-${process.pid}`;
  return processName;
}

export function getProcessName(): string {
  return processName ?? setProcessName('process');
}
