import { EntityManager } from 'typeorm';
import { CopyStatus } from '../../catalog/physical-copies/physical-copy.states';

/** Which try at deleting a copy this is (its failed tries so far), so each try has its own job id. */
export async function deletionAttempt(m: EntityManager, copyId: string): Promise<number> {
  const [{ n }] = await m.query(
    `SELECT count(*)::int AS n FROM physical_copy_event WHERE physical_copy_id = $1 AND to_status = '${CopyStatus.DELETION_FAILED}'`,
    [copyId],
  );
  return n;
}

/** What a scheduled copy was before it was scheduled: where it returns when its deletion is called off. */
export async function statusBeforeScheduling(m: EntityManager, copyId: string): Promise<CopyStatus> {
  const [last] = await m.query(
    `SELECT from_status FROM physical_copy_event WHERE physical_copy_id = $1 AND to_status = '${CopyStatus.DELETION_SCHEDULED}'
      ORDER BY at DESC, id DESC LIMIT 1`,
    [copyId],
  );
  const before = last?.from_status as CopyStatus | undefined;
  return before === CopyStatus.STAGED || before === CopyStatus.DELETION_POSSIBLE
    ? before
    : CopyStatus.PRESENT;
}
