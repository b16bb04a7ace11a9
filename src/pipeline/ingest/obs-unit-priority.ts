/**
 * How urgently an obs unit's data should reach the archives. `high` (urgent) sends its packages ahead of
 * the night's backlog: bundled at once in a bundle of their own, and their jobs ahead of normal ones on
 * every queue. Set at registration (`priority` of the start) or by an operator (`ccat-dt priority set`),
 * each change audited in obs_unit_priority_change.
 */
export enum ObsUnitPriority {
  NORMAL = 'normal',
  HIGH = 'high',
}
