import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { transitionRow } from '../../engine/work/transition-row';
import { refreshSafeSiteCountOfCopies } from './package-safety';
import { PhysicalCopyEvent } from './physical-copy-event.entity';
import { PhysicalCopy } from './physical-copy.entity';
import { CopyKind, CopyStatus, copyStatusMachine } from './physical-copy.states';

export interface NewCopy {
  kind: CopyKind;
  rawDataFileId?: string;
  rawDataPackageId?: string;
  dataTransferPackageId?: string;
  locationId: number;
  relativePath: string;
  size: number;
  sha256: string;
  status?: CopyStatus;
  verifiedAt?: Date;
}

export interface ChangeAuthor {
  /** Process name or `token:<name>`. */
  actor: string;
  reason?: string;
}

/**
 * Declares who is changing copies in this transaction; the database's audit triggers write it into every
 * `physical_copy_event` they append, and refuse any change to a copy in a transaction that declared none.
 */
export async function declareCopyAuthor(manager: EntityManager, author: ChangeAuthor): Promise<void> {
  if (!manager.queryRunner?.isTransactionActive) {
    throw new Error('copy changes must run inside a transaction (the audit author is transaction-local)');
  }
  await manager.query(`SELECT set_config('ccat.actor', $1, true), set_config('ccat.reason', $2, true)`, [
    author.actor,
    author.reason ?? '',
  ]);
}

/**
 * The one way a copy's status changes, in the caller's transaction: the row is locked FOR UPDATE (so a
 * deletion's claim holding the copies it counts FOR SHARE sees the change or waits for it), the state
 * machine asked, the author declared for the audit event, and the package's safe-site count kept true.
 */
export async function transitionCopy(
  m: EntityManager,
  copyId: string,
  to: CopyStatus,
  author: ChangeAuthor,
): Promise<{ from: CopyStatus; to: CopyStatus }> {
  await declareCopyAuthor(m, author);
  const moved = await transitionRow(m, PhysicalCopy, copyId, 'status', copyStatusMachine, to);
  await refreshSafeSiteCountOfCopies(m, [copyId]);
  return moved;
}

/**
 * The service through which copies are created and change status: it checks the state machine and
 * declares the author, and the database appends the audit event in the same transaction.
 */
@Injectable()
export class PhysicalCopyService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Records copies whose bytes are already durable and verified, in one statement however many.
   */
  async createCopies(manager: EntityManager, copies: NewCopy[], author: ChangeAuthor): Promise<string[]> {
    if (copies.length === 0) return [];
    const now = new Date();
    const statuses = copies.map((c) => c.status ?? CopyStatus.PRESENT);
    statuses.forEach((s) => copyStatusMachine.assertInitial(s));
    await declareCopyAuthor(manager, author);
    const inserted: { id: string }[] = await manager.query(
      `INSERT INTO physical_copy
         (kind, raw_data_file_id, raw_data_package_id, data_transfer_package_id, location_id, relative_path, status,
          size, sha256, verified_at)
       SELECT * FROM unnest($1::copy_kind[], $2::uuid[], $3::uuid[], $10::uuid[], $4::int[], $5::text[],
                            $6::copy_status[], $7::bigint[], $8::char(64)[], $9::timestamptz[])
       RETURNING id`,
      [
        copies.map((c) => c.kind),
        copies.map((c) => c.rawDataFileId ?? null),
        copies.map((c) => c.rawDataPackageId ?? null),
        copies.map((c) => c.locationId),
        copies.map((c) => c.relativePath),
        statuses,
        copies.map((c) => c.size),
        copies.map((c) => c.sha256),
        copies.map((c) => c.verifiedAt ?? now),
        copies.map((c) => c.dataTransferPackageId ?? null),
      ],
    );
    const ids = inserted.map((r) => r.id);
    await refreshSafeSiteCountOfCopies(manager, ids);
    return ids;
  }

  /** Moves one copy to `to` if its state machine allows it; throws ILLEGAL_TRANSITION and writes nothing otherwise. */
  async transition(
    copyId: string,
    to: CopyStatus,
    author: ChangeAuthor,
    manager?: EntityManager,
  ): Promise<{ from: CopyStatus; to: CopyStatus }> {
    const run = (m: EntityManager) => transitionCopy(m, copyId, to, author);
    return manager ? run(manager) : this.dataSource.transaction(run);
  }

  async history(copyId: string): Promise<PhysicalCopyEvent[]> {
    return this.dataSource.getRepository(PhysicalCopyEvent).find({
      where: { physicalCopyId: copyId },
      order: { at: 'ASC', id: 'ASC' },
    });
  }
}
