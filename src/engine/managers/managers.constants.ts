/** The one queue every manager's scheduler puts its cycles on; any managers process may run them. */
export const MANAGERS_QUEUE = 'managers';

export interface ManagerCycleJob {
  kind: string;
}
