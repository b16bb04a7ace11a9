import { EntityManager } from 'typeorm';
import { FileEventType } from './file-event';

export interface FileEventRecord {
  type: FileEventType;
  /** Every file of these packages gets the event. */
  packageIds: string[];
  locationId: number;
  details?: Record<string, unknown>;
}

/**
 * Records an event for the files of some packages in the caller's transaction (the outbox): it is
 * published after the transaction commits, and never if it rolls back. Redis plays no part here, so a
 * Redis outage cannot fail the work.
 */
export async function recordFileEvent(tx: EntityManager, e: FileEventRecord): Promise<void> {
  if (!tx.queryRunner?.isTransactionActive) throw new Error('recordFileEvent must run inside a transaction');
  await tx.query(
    `INSERT INTO event_outbox (type, package_ids, location_id, details) VALUES ($1, $2::uuid[], $3, $4)`,
    [e.type, e.packageIds, e.locationId, JSON.stringify(e.details ?? {})],
  );
}
