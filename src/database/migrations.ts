import { Initial1795541389379 } from '../migrations/1795541389379-Initial';
import { PhysicalCopyAuditTrail1795541389380 } from '../migrations/1795541389380-PhysicalCopyAuditTrail';

/** Migrations in the order they run; each stage's issue appends its own. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const MIGRATIONS: Function[] = [Initial1795541389379, PhysicalCopyAuditTrail1795541389380];
