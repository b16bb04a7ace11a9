import { EntityManager } from 'typeorm';
import { PhysicalCopy } from '../physical-copies/physical-copy.entity';
import { transitionCopy } from '../physical-copies/physical-copy.service';
import { CopyStatus, LIVE_COPY_STATUSES } from '../physical-copies/physical-copy.states';
import { LossReason } from './copy-repair.entity';

export interface Loss {
  copyId: string;
  reason: LossReason;
  /** Who found it (`check`, `fixity`, or the stage that read the copy): the audit actor and the repair's `detectedBy`. */
  detectedBy: 'check' | 'fixity' | 'bundling';
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
