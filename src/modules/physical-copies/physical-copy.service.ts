import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { transitionRow } from '../../common/transition-row';
import { PhysicalCopyEvent } from './physical-copy-event.entity';
import { PhysicalCopy } from './physical-copy.entity';
import { CopyKind, CopyStatus, copyStatusMachine } from './physical-copy.states';

export interface NewCopy {
  kind: CopyKind;
  rawDataFileId?: string;
  rawDataPackageId?: string;
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
 * Owns every write to `physical_copy`: each creation and each status change appends its
 * `physical_copy_event` in the same transaction, so the audit trail cannot miss a change.
 */
@Injectable()
export class PhysicalCopyService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Records copies whose bytes are already durable and verified. Inserts with unnest() so a bulk
   * registration of thousands of files costs two statements, not thousands.
   */
  async createCopies(manager: EntityManager, copies: NewCopy[], author: ChangeAuthor): Promise<string[]> {
    if (copies.length === 0) return [];
    const now = new Date();
    const statuses = copies.map((c) => c.status ?? CopyStatus.PRESENT);
    statuses.forEach((s) => copyStatusMachine.assertInitial(s));
    const inserted: { id: string; status: CopyStatus }[] = await manager.query(
      `INSERT INTO physical_copy
         (kind, raw_data_file_id, raw_data_package_id, location_id, relative_path, status, size, sha256, verified_at)
       SELECT * FROM unnest($1::copy_kind[], $2::uuid[], $3::uuid[], $4::int[], $5::text[], $6::copy_status[],
                            $7::bigint[], $8::char(64)[], $9::timestamptz[])
       RETURNING id, status`,
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
      ],
    );
    await manager.query(
      `INSERT INTO physical_copy_event (physical_copy_id, from_status, to_status, actor, reason)
       SELECT id, NULL, status, $3, $4 FROM unnest($1::uuid[], $2::copy_status[]) AS t(id, status)`,
      [inserted.map((r) => r.id), inserted.map((r) => r.status), author.actor, author.reason ?? null],
    );
    return inserted.map((r) => r.id);
  }

  /** Moves one copy to `to` if its state machine allows it; throws ILLEGAL_TRANSITION and writes nothing otherwise. */
  async transition(
    copyId: string,
    to: CopyStatus,
    author: ChangeAuthor,
    manager?: EntityManager,
  ): Promise<{ from: CopyStatus; to: CopyStatus }> {
    const run = async (m: EntityManager) => {
      const change = await transitionRow(m, PhysicalCopy, copyId, 'status', copyStatusMachine, to);
      await m.insert(PhysicalCopyEvent, {
        physicalCopyId: copyId,
        fromStatus: change.from,
        toStatus: change.to,
        actor: author.actor,
        reason: author.reason ?? null,
      });
      return change;
    };
    return manager ? run(manager) : this.dataSource.transaction(run);
  }

  async history(copyId: string): Promise<PhysicalCopyEvent[]> {
    return this.dataSource.getRepository(PhysicalCopyEvent).find({
      where: { physicalCopyId: copyId },
      order: { at: 'ASC', id: 'ASC' },
    });
  }
}
