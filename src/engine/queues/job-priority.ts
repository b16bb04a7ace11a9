/**
 * BullMQ job priorities of the work rows, by urgency. In BullMQ a lower number runs first, and a job with
 * no priority (0) runs before every prioritized job: so on a queue where urgent and normal work meet,
 * normal jobs must carry a priority too, a larger number than the urgent one's. Work that no obs unit can
 * make urgent (monitoring, deletion, fixity, repairs) keeps BullMQ's plain first-in-first-out list.
 * The gap between the two leaves room for levels between them without renumbering what is queued.
 */
export const JOB_PRIORITY = {
  /** Work for an urgent obs unit (`priority: high`): ahead of everything prioritized on its queue. */
  urgent: 1,
  /** Work for any other obs unit. */
  normal: 10,
} as const;

/**
 * The `priority` option of a job: undefined (plain) for work not tied to obs units, else urgent or
 * normal. Jobs with the same number keep their order of arrival.
 */
export function jobPriority(urgent: boolean | undefined): number | undefined {
  if (urgent === undefined) return undefined;
  return urgent ? JOB_PRIORITY.urgent : JOB_PRIORITY.normal;
}
