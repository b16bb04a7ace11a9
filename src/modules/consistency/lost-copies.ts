import { EntityManager } from 'typeorm';
import { transitionRow } from '../../common/transition-row';
import { refreshLtaSiteCount } from '../packages/lta-site-count';
import { PhysicalCopy } from '../physical-copies/physical-copy.entity';
import { declareCopyAuthor } from '../physical-copies/physical-copy.service';
import { CopyStatus, copyStatusMachine, LIVE_COPY_STATUSES } from '../physical-copies/physical-copy.states';
import { LossReason } from './copy-repair.entity';

export interface Loss {
  copyId: string;
  reason: LossReason;
  /** `check` or `fixity`: the audit actor and the repair's `detectedBy`. */
  detectedBy: 'check' | 'fixity';
  /** What was found, for the audit trail. */
  details?: string;
}

/**
 * Records a loss, in the caller's transaction: the copy goes LOST (audited; from then on nothing counts it:
 * not the deletion rules, which want PRESENT archive copies, not lta_site_count, not explain or status),
 * and a repair is planned for the copy repair manager to hand to the worker of the copy's location.
 * Returns the repair's id, or null when the copy is no longer live (deleted or already lost meanwhile).
 */
export async function markLost(tx: EntityManager, loss: Loss): Promise<string | null> {
  const copy = await tx.findOne(PhysicalCopy, {
    where: { id: loss.copyId },
    lock: { mode: 'pessimistic_write' },
  });
  if (!copy || !LIVE_COPY_STATUSES.includes(copy.status)) return null;
  await declareCopyAuthor(tx, {
    actor: loss.detectedBy,
    reason: `bytes ${loss.reason === 'missing' ? 'missing' : `of the wrong ${loss.reason === 'size' ? 'size' : 'checksum'}`}${loss.details ? `: ${loss.details}` : ''}`,
  });
  await transitionRow(tx, PhysicalCopy, copy.id, 'status', copyStatusMachine, CopyStatus.LOST);
  if (copy.rawDataPackageId) await refreshLtaSiteCount(tx, copy.rawDataPackageId);
  const [repair] = await tx.query(
    `INSERT INTO copy_repair (lost_copy_id, location_id, detected_by, loss_reason)
     VALUES ($1, $2, $3, $4)
     ON CONFLICT ON CONSTRAINT uq_copy_repair_lost_copy DO UPDATE SET updated_at = copy_repair.updated_at
     RETURNING id`,
    [copy.id, copy.locationId, loss.detectedBy, loss.reason],
  );
  return repair.id as string;
}
