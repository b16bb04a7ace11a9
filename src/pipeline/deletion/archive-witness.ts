import { DataSource, EntityManager } from 'typeorm';
import { FIXITY_WORK } from '../../operations/consistency/consistency.work';
import {
  confirmedWithin,
  countedArchiveCopiesOf,
  isSafeNowSql,
} from '../../catalog/physical-copies/package-safety';
import { schedulePending } from '../../engine/queues/schedule-work';
import { TaskQueueService } from '../../engine/queues/task-queue.service';
import { DeletionPolicy, witnessSeconds } from './deletion-rules';

/**
 * The database is not the only witness. Before a source or buffer copy goes, each archive copy that makes
 * its package safe must have been shown by the archive's storage itself within DELETION_WITNESS_MAX_AGE.
 * The worker deleting at the source holds no archive site's credentials, so it cannot ask an archive
 * itself: the deletion manager asks the archive's own worker instead, with a presence check (a fixity
 * check of depth `presence`: the object's size and recorded SHA-256, by S3 HEAD or on disk by stat and its
 * sidecar) on the archive location's fixity queue. A missing or differing object is marked LOST there,
 * which starts its repair and takes the copy out of the count; the deletion's claim asks again.
 */

/** What a deletion relies on: a package's safety, without one archive location's copy if it is that copy. */
export interface SafetyNeed {
  packageId: string | null;
  /** The location left out of the count (an archive being emptied), or null. */
  safeWithout: number | null;
}

const needKey = (n: SafetyNeed) => `${n.packageId}/${n.safeWithout ?? ''}`;

/**
 * Of `needs`, those whose package is safe by its copies but not by recently witnessed ones (each without
 * its left-out location): a set that `waitsForWitness` asks.
 */
export async function awaitingWitness(
  m: EntityManager | DataSource,
  policy: DeletionPolicy,
  needs: SafetyNeed[],
): Promise<Set<string>> {
  const wanted = [...new Map(needs.filter((n) => n.packageId).map((n) => [needKey(n), n])).values()];
  if (wanted.length === 0) return new Set();
  const seconds = witnessSeconds(policy);
  const rows: { id: string; without: number | null }[] = await m.query(
    `SELECT w.id, w.without FROM unnest($1::uuid[], $2::int[]) AS w(id, without)
      WHERE ${isSafeNowSql('w.id', policy.minLtaSites, undefined, 'w.without')}
        AND NOT ${isSafeNowSql('w.id', policy.minLtaSites, seconds, 'w.without')}`,
    [wanted.map((n) => n.packageId), wanted.map((n) => n.safeWithout)],
  );
  return new Set(rows.map((r) => needKey({ packageId: r.id, safeWithout: r.without })));
}

/** Whether `need` is among those awaitingWitness found waiting. */
export const waitsForWitness = (waiting: Set<string>, need: SafetyNeed) =>
  need.packageId !== null && waiting.has(needKey(need));

/**
 * Plans presence checks of the counted archive copies of `packageIds` not witnessed within half the
 * allowed age (so that they are still fresh when the deletion is claimed), and hands them to the archive
 * locations' queues. A copy with a check already open is not planned twice. Returns how many were planned.
 */
export async function requestWitnesses(
  dataSource: DataSource,
  queues: TaskQueueService,
  policy: DeletionPolicy,
  packageIds: string[],
): Promise<number> {
  if (packageIds.length === 0) return 0;
  const halfAge = String(policy.witnessMaxAgeMs / 2000);
  const inserted: { id: string }[] = await dataSource.query(
    `INSERT INTO fixity_check (copy_id, location_id, size, depth)
     SELECT a.id, a.location_id, a.size, 'presence'
       FROM ${countedArchiveCopiesOf('$1::uuid[]')}
        AND al.storage_type <> 'tape' AND NOT ${confirmedWithin('a', halfAge)}
     ON CONFLICT DO NOTHING
     RETURNING id`,
    [packageIds],
  );
  if (inserted.length > 0)
    await schedulePending(dataSource, queues, FIXITY_WORK, {
      alsoWhere: `w.depth = 'presence'`,
      limit: 1000,
    });
  return inserted.length;
}
