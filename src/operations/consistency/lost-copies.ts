import { DataSource, EntityManager } from 'typeorm';
import { StorageBackend } from '../../engine/storage/storage-backend';
import { inspectCopy, RecordedCopy } from './copy-inspection';
import { PhysicalCopy } from '../../catalog/physical-copies/physical-copy.entity';
import { transitionCopy } from '../../catalog/physical-copies/physical-copy.service';
import { CopyStatus, LIVE_COPY_STATUSES } from '../../catalog/physical-copies/physical-copy.states';
import { LossReason } from './copy-repair.entity';

/** `check` and `fixity` look for losses; the others are the stages that found one while reading a copy. */
export type LossDetector = 'check' | 'fixity' | 'bundling' | 'transfer' | 'unpack' | 'archive upload';

export interface Loss {
  copyId: string;
  reason: LossReason;
  /** Who found it: the audit actor and the repair's `detectedBy`. */
  detectedBy: LossDetector;
  /** What was found, for the audit trail. */
  details?: string;
}

/**
 * Records a loss, in the caller's transaction: the copy goes LOST (audited; from then on nothing counts it:
 * the one definition of safe in package-safety.ts wants PRESENT copies),
 * and a repair is planned for the copy repair manager to hand to the worker of the copy's location.
 * Returns the repair's id, or null when the copy is no longer live (deleted or already lost meanwhile).
 */
export async function markLost(tx: EntityManager, loss: Loss): Promise<string | null> {
  const copy = await tx.findOne(PhysicalCopy, {
    where: { id: loss.copyId },
    lock: { mode: 'pessimistic_write' },
  });
  if (!copy || !LIVE_COPY_STATUSES.includes(copy.status)) return null;
  await transitionCopy(tx, copy.id, CopyStatus.LOST, {
    actor: loss.detectedBy,
    reason: `bytes ${loss.reason === 'missing' ? 'missing' : `of the wrong ${loss.reason === 'size' ? 'size' : 'checksum'}`}${loss.details ? `: ${loss.details}` : ''}`,
  });
  const [repair] = await tx.query(
    `INSERT INTO copy_repair (lost_copy_id, location_id, detected_by, loss_reason)
     VALUES ($1, $2, $3, $4)
     ON CONFLICT ON CONSTRAINT uq_copy_repair_lost_copy DO UPDATE SET updated_at = copy_repair.updated_at
     RETURNING id`,
    [copy.id, copy.locationId, loss.detectedBy, loss.reason],
  );
  return repair.id as string;
}

/**
 * A stage read the copy at `path` of a location in full and its bytes were not what the copy records.
 * Whether the copy itself is at fault or the bytes went wrong on the way is decided where the copy lives: it
 * is read again and hashed (inspectCopy), and only a copy found missing or different is marked LOST and its
 * heal planned, so a fault on the way condemns nothing. `loss` is null when the copy is as recorded; the
 * answer is null when the location has no live copy at that path.
 */
export async function confirmLoss(
  dataSource: DataSource,
  backend: StorageBackend,
  at: { locationId: number; path: string },
  detectedBy: LossDetector,
  details: string,
): Promise<{ loss: LossReason | null } | null> {
  const [copy]: (RecordedCopy & { id: string })[] = await dataSource.query(
    `SELECT id, relative_path AS "relativePath", size::float8 AS size, sha256 FROM physical_copy
      WHERE location_id = $1 AND relative_path = $2 AND status = ANY($3::copy_status[]) LIMIT 1`,
    [at.locationId, at.path, LIVE_COPY_STATUSES],
  );
  if (!copy) return null;
  const { loss } = await inspectCopy(backend, copy);
  if (!loss) return { loss: null };
  await dataSource.transaction((tx) => markLost(tx, { copyId: copy.id, reason: loss, detectedBy, details }));
  return { loss };
}
