import { Injectable } from '@nestjs/common';
import {
  dropPackageIfEmpty,
  packageNameAndStatus,
  shrinkPackage,
} from '../packaging/package-amendment.queries';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { DomainError } from '../../engine/errors/domain-error';
import { OperationStatus } from '../../engine/work/operation-status';
import { DataLocation } from '../../catalog/locations/data-location.entity';
import { declareCopyAuthor, PhysicalCopyService } from '../../catalog/physical-copies/physical-copy.service';
import { CopyKind, CopyStatus } from '../../catalog/physical-copies/physical-copy.states';
import { WorkResetService } from '../../operations/recovery/work-reset.service';
import { workKind } from '../../operations/recovery/work-kinds';
import { ObjectNotFoundError, StorageError } from '../../engine/storage/storage-errors';
import { StorageService } from '../../engine/storage/storage.service';
import { LocationType } from '../../catalog/locations/location-type';

export type Amendment = 'accepted' | 'withdrawn';

export interface AmendmentOutcome {
  fileId: string;
  path: string;
  action: Amendment;
  before: { size: number; sha256: string };
  /** The registration now (accept); null for a withdrawal. */
  after: { size: number; sha256: string } | null;
  /** The package it was in, and what became of it. */
  package: { id: string; name: string; outcome: string } | null;
}

interface FileRow {
  id: string;
  path: string;
  size: string;
  sha256: string;
  sourceId: number;
  withdrawnAt: Date | null;
  packageId: string | null;
  packageName: string | null;
  /** null once the package is gone (its last file withdrawn). */
  packageStatus: OperationStatus | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The operator's way out for a file that changed at its source after registration (its package fails
 * with "changed on disk", and packing it again fails again): `accept` records the file's bytes now as
 * its registration, `withdraw` takes it out of the pipeline (its bytes stay, never deleted by us). Both
 * are audited in raw_data_file_event with the registration before, and both refuse a file whose package
 * was already packed or has a PRESENT archive copy: those hold the registered bytes, and must stay true.
 * A package whose packaging failed is reset to be packed again, with the file as it now is or without it.
 */
@Injectable()
export class FileAmendmentService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly storage: StorageService,
    private readonly resets: WorkResetService,
    private readonly copies: PhysicalCopyService,
  ) {}

  async accept(ref: string, reason: string, actor: string): Promise<AmendmentOutcome> {
    const file = await this.find(this.dataSource.manager, ref);
    this.assertReason(reason);
    const source = await this.dataSource.manager.findOneOrFail(DataLocation, {
      where: { id: file.sourceId },
      relations: { site: true },
    });
    const now = await this.hashAtSource(source, file.path);
    if (now.size === Number(file.size) && now.sha256 === file.sha256)
      throw new DomainError(
        'CONFLICT',
        `${file.path} at ${source.site!.shortName}/${source.name} is what was registered (${now.size} bytes, sha256 ${now.sha256}): nothing to accept`,
      );
    return this.amend(ref, 'accepted', reason, actor, async (m, f) => {
      await m.query(`UPDATE raw_data_file SET size = $2, sha256 = $3 WHERE id = $1`, [
        f.id,
        now.size,
        now.sha256,
      ]);
      // The file's copy at its source records the bytes there: now the accepted ones. One that the fixity
      // audit already found changed is LOST (final): a new PRESENT copy records the accepted bytes.
      const author = { actor, reason: `file accepted: ${reason}` };
      await declareCopyAuthor(m, author);
      const [, updated] = await m.query(
        `UPDATE physical_copy SET size = $2, sha256 = $3, verified_at = now(), updated_at = now()
          WHERE raw_data_file_id = $1 AND location_id = $4 AND status = '${CopyStatus.PRESENT}'`,
        [f.id, now.size, now.sha256, f.sourceId],
      );
      if (!updated)
        await this.copies.createCopies(
          m,
          [
            {
              kind: CopyKind.RAW_DATA_FILE,
              rawDataFileId: f.id,
              locationId: f.sourceId,
              relativePath: f.path,
              size: now.size,
              sha256: now.sha256,
            },
          ],
          author,
        );
      return now;
    });
  }

  withdraw(ref: string, reason: string, actor: string): Promise<AmendmentOutcome> {
    this.assertReason(reason);
    return this.amend(ref, 'withdrawn', reason, actor, async (m, f) => {
      await m.query(
        `UPDATE raw_data_file SET withdrawn_at = now(), withdrawn_reason = $2, raw_data_package_id = NULL WHERE id = $1`,
        [f.id, reason],
      );
      if (!f.packageId) return null;
      await shrinkPackage(m, f.packageId, Number(f.size));
      // A package left with no file was never packed (assertAmendable): nothing refers to it; it goes.
      if (await dropPackageIfEmpty(m, f.packageId)) f.packageStatus = null;
      return null;
    });
  }

  /** The checks, the change and its event in one transaction under the file's and package's locks; then the package's reset. */
  private async amend(
    ref: string,
    action: Amendment,
    reason: string,
    actor: string,
    change: (m: EntityManager, f: FileRow) => Promise<{ size: number; sha256: string } | null>,
  ): Promise<AmendmentOutcome> {
    const { file, after } = await this.dataSource.transaction(async (m) => {
      const f = await this.find(m, ref, true);
      await this.assertAmendable(m, f);
      const changed = await change(m, f);
      await m.query(
        `INSERT INTO raw_data_file_event (raw_data_file_id, action, actor, reason, old_size, old_sha256, new_size, new_sha256, raw_data_package_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          f.id,
          action,
          actor,
          reason,
          f.size,
          f.sha256,
          changed?.size ?? null,
          changed?.sha256 ?? null,
          f.packageId,
        ],
      );
      return { file: f, after: changed };
    });
    // A repair of the file's source copy (the fixity audit found it changed) failed for want of a good copy:
    // it is tried again, and now closes as superseded (accepted) or not needed (withdrawn).
    const failedRepairs: { id: string }[] = await this.dataSource.query(
      `SELECT r.id FROM copy_repair r JOIN physical_copy c ON c.id = r.lost_copy_id
        WHERE c.raw_data_file_id = $1 AND r.status = '${OperationStatus.FAILED}'`,
      [file.id],
    );
    for (const r of failedRepairs)
      await this.resets.resetFailed(workKind('repair'), r.id, `${actor} (file ${action})`);
    let outcome = 'it is packed as planned';
    if (file.packageId && file.packageStatus === null) outcome = 'it had no other file, and was removed';
    else if (file.packageId && file.packageStatus === OperationStatus.FAILED) {
      await this.resets.resetFailed(workKind('package'), file.packageId, `${actor} (file ${action})`);
      outcome = 'its packaging was reset: it is packed again';
    }
    return {
      fileId: file.id,
      path: file.path,
      action,
      before: { size: Number(file.size), sha256: file.sha256 },
      after,
      package: file.packageId ? { id: file.packageId, name: file.packageName!, outcome } : null,
    };
  }

  private async find(m: EntityManager, ref: string, lock = false): Promise<FileRow> {
    const by = UUID.test(ref) ? 'f.id = $1::uuid' : 'f.relative_path = $1';
    const rows: Omit<FileRow, 'packageName' | 'packageStatus'>[] = await m.query(
      `SELECT f.id, f.relative_path AS path, f.size, f.sha256, f.source_location_id AS "sourceId",
              f.withdrawn_at AS "withdrawnAt", f.raw_data_package_id AS "packageId"
         FROM raw_data_file f
        WHERE ${by} ${lock ? 'FOR UPDATE OF f' : ''}`,
      [ref],
    );
    if (rows.length === 0) throw new DomainError('NOT_FOUND', `no file ${ref}`);
    if (rows.length > 1)
      throw new DomainError(
        'VALIDATION',
        `${rows.length} files have the path ${ref} (at different sources): give the file's id`,
      );
    const [f] = rows;
    if (f.withdrawnAt)
      throw new DomainError('CONFLICT', `${f.path} was withdrawn at ${f.withdrawnAt.toISOString()}`);
    const pkg = f.packageId ? await packageNameAndStatus(m, f.packageId) : undefined;
    return { ...f, packageName: pkg?.name ?? null, packageStatus: pkg?.status ?? null };
  }

  /** Only a file whose package was not packed (pending, or failed) and has no archive copy may change. */
  private async assertAmendable(m: EntityManager, f: FileRow): Promise<void> {
    if (!f.packageId) return;
    const pkg = await packageNameAndStatus(m, f.packageId, true);
    if (!pkg) throw new DomainError('CONFLICT', `${f.path}: its package ${f.packageName} is gone; try again`);
    f.packageStatus = pkg.status;
    const [archived] = await m.query(
      `SELECT s.short_name || '/' || l.name AS at FROM physical_copy c
         JOIN data_location l ON l.id = c.location_id JOIN site s ON s.id = l.site_id
        WHERE c.raw_data_package_id = $1 AND l.location_type = '${LocationType.LONG_TERM_ARCHIVE}' AND c.status = '${CopyStatus.PRESENT}' LIMIT 1`,
      [f.packageId],
    );
    if (archived)
      throw new DomainError(
        'CONFLICT',
        `${f.path} is in package ${f.packageName}, archived at ${archived.at} with its registered bytes: it cannot change`,
      );
    if (pkg.status !== OperationStatus.PENDING && pkg.status !== OperationStatus.FAILED)
      throw new DomainError(
        'CONFLICT',
        pkg.status === OperationStatus.COMPLETED
          ? `${f.path} is in package ${f.packageName}, already packed with its registered bytes: it cannot change`
          : `${f.path} is in package ${f.packageName}, being packed now (${pkg.status}): try again when that has finished or failed`,
      );
  }

  private assertReason(reason: string): void {
    if (!reason?.trim())
      throw new DomainError('VALIDATION', 'a reason is required: say why, for the audit trail');
  }

  private async hashAtSource(source: DataLocation, path: string): Promise<{ size: number; sha256: string }> {
    const hash = createHash('sha256');
    let size = 0;
    try {
      const stream = await this.storage.backendFor(source).read(path, undefined, { regularFileOnly: true });
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        hash.update(chunk);
        size += chunk.length;
      }
    } catch (err) {
      const where = `${source.site!.shortName}/${source.name}`;
      if (err instanceof ObjectNotFoundError)
        throw new DomainError(
          'CONFLICT',
          `${path} is not at ${where}: there is nothing to accept; withdraw it instead`,
        );
      if (err instanceof StorageError)
        throw new DomainError(
          'CONFLICT',
          `${path} cannot be read at ${where} from here (${err.message}): run this where that storage is reachable`,
        );
      throw err;
    }
    return { size, sha256: hash.digest('hex') };
  }
}
