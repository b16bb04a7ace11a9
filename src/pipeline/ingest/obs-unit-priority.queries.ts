import { EntityManager } from 'typeorm';
import { WorkUrgency } from '../../engine/work/work-kind';
import { ObsUnitPriority } from './obs-unit-priority';

/*
 * An obs unit's priority, owned by ingest: the fragments other stages compose to put an urgent unit's work
 * first, and the audit trail of its changes. Arguments are SQL expressions, never user input.
 */

/**
 * The urgent obs units' ids, as a set for `IN`: few rows (the partial index ix_executed_obs_unit_urgent),
 * so the planner reads them once and hashes them, whatever the size of the work it is compared with.
 */
export const URGENT_OBS_UNITS = `(SELECT id FROM executed_obs_unit WHERE priority = '${ObsUnitPriority.HIGH}')`;

/**
 * A kind of work's urgency from how it is tied to obs units: `serves(units)` is the condition (on the work
 * row `w`) that it serves one of `units`, a set of obs unit ids as SQL for `IN`.
 */
export function obsUnitUrgency(serves: (units: string) => string): WorkUrgency {
  return { urgentWhen: serves(URGENT_OBS_UNITS), ofObsUnit: (unit) => serves(`(SELECT ${unit}::uuid)`) };
}

export interface PriorityChange {
  at: Date;
  /** Null when the priority was given at registration. */
  from: ObsUnitPriority | null;
  to: ObsUnitPriority;
  actor: string;
  reason: string | null;
}

/** Appends one change of obs unit `unitId`'s priority to its audit trail (in the caller's transaction). */
export async function recordPriorityChange(
  m: EntityManager,
  unitId: string,
  change: Omit<PriorityChange, 'at'>,
): Promise<void> {
  await m.query(
    `INSERT INTO obs_unit_priority_change (executed_obs_unit_id, from_priority, to_priority, actor, reason)
     VALUES ($1, $2, $3, $4, $5)`,
    [unitId, change.from, change.to, change.actor, change.reason],
  );
}

/** Obs unit `unitId`'s priority changes, oldest first. */
export async function priorityChanges(m: EntityManager, unitId: string): Promise<PriorityChange[]> {
  return m.query(
    `SELECT at, from_priority AS "from", to_priority AS "to", actor, reason
       FROM obs_unit_priority_change WHERE executed_obs_unit_id = $1 ORDER BY id`,
    [unitId],
  );
}
