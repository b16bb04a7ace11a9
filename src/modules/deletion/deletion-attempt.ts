import { EntityManager } from 'typeorm';

/** Which try at deleting a copy this is (its failed tries so far), so each try has its own job id. */
export async function deletionAttempt(m: EntityManager, copyId: string): Promise<number> {
  const [{ n }] = await m.query(
    `SELECT count(*)::int AS n FROM physical_copy_event WHERE physical_copy_id = $1 AND to_status = 'deletion_failed'`,
    [copyId],
  );
  return n;
}
