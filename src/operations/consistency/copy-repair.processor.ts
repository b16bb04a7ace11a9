import { Injectable, Logger } from '@nestjs/common';
import { isWithdrawn } from '../../pipeline/ingest/raw-data-file.queries';
import { TaskError } from '../../engine/work/task-error';
import { InjectDataSource } from '@nestjs/typeorm';
import { Job } from 'bullmq';
import { DataSource } from 'typeorm';
import { OperationStatus } from '../../engine/work/operation-status';
import { getProcessName } from '../../engine/logging/process-name';
import { transitionRow } from '../../engine/work/transition-row';
import { DataLocation } from '../../catalog/locations/data-location.entity';
import { recordMoved } from '../../engine/metrics/task-metrics';
import { PhysicalCopy } from '../../catalog/physical-copies/physical-copy.entity';
import { PhysicalCopyService } from '../../catalog/physical-copies/physical-copy.service';
import { CopyKind, LIVE_COPY_STATUSES } from '../../catalog/physical-copies/physical-copy.states';
import { HandlesOperation, OperationHandler } from '../../engine/queues/operation-handler';
import { OperationType } from '../../engine/queues/operation-type';
import { TaskPayload } from '../../engine/queues/queue-descriptor';
import { runClaimedWork } from '../../engine/queues/run-claimed-work';
import { StorageService } from '../../engine/storage/storage.service';
import { inspectCopy } from './copy-inspection';
import { CopyRepair } from './copy-repair.entity';
import { assertHealBudget, repackFromSource } from './package-repack';
import { rebuildBundle } from './bundle-rebuild';
import { copyRepairStatusMachine } from './copy-repair.states';

/** No live copy of the object elsewhere verifies: the repair cannot succeed by retrying. */
export class NoGoodCopyError extends TaskError {
  readonly retryable = false;
}

interface Candidate {
  id: string;
  locationId: number;
  relativePath: string;
  siteId: number;
  where: string;
}

/** How a copy with no good twin anywhere is made again from what it is made of. */
const REMAKE: Partial<
  Record<
    CopyKind,
    {
      how: string;
      from: (ds: DataSource, st: StorageService, lost: PhysicalCopy, at: DataLocation) => Promise<string>;
    }
  >
> = {
  [CopyKind.RAW_DATA_PACKAGE]: { how: 'packed again from', from: repackFromSource },
  [CopyKind.DATA_TRANSFER_PACKAGE]: { how: 'written again from', from: rebuildBundle },
};

type Outcome = { repaired: string; newCopyId: string; from: string } | { skipped: string };

/**
 * Re-replicates a lost copy, on the queue of its location (so the worker with access to that storage does
 * it): a live copy of the same object elsewhere (same site first, then object stores, then the rest) is
 * streamed into the lost copy's path through the storage layer, which writes to a temporary name (disk) or
 * a multipart upload (S3) and puts it in place only if size and SHA-256 match; it is read back and hashed,
 * and only then recorded as a new PRESENT copy. A source that does not verify is passed over for the next.
 * A package with no good copy left is packed again from its source files (package-repack.ts), a bundle
 * written again from its package tars (bundle-rebuild.ts). At most
 * MAX_HEALS_PER_PACKAGE repairs of one package's copies within a day: past them the repair fails, for a person.
 */
@Injectable()
@HandlesOperation(OperationType.COPY_REPAIR)
export class CopyRepairProcessor implements OperationHandler {
  private readonly logger = new Logger(CopyRepairProcessor.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly storage: StorageService,
    private readonly copies: PhysicalCopyService,
  ) {}

  handle(payload: TaskPayload, context?: { job: Job<TaskPayload> }): Promise<Outcome> {
    return runClaimedWork({
      dataSource: this.dataSource,
      entity: CopyRepair,
      machine: copyRepairStatusMachine,
      payload,
      context,
      work: (row) => this.repair(row),
      failurePrefix: 'unrecoverable: ',
    });
  }

  private async repair(repair: CopyRepair): Promise<Outcome> {
    const m = this.dataSource.manager;
    const lost = await m.findOneByOrFail(PhysicalCopy, { id: repair.lostCopyId });
    const location = await m.findOneOrFail(DataLocation, {
      where: { id: lost.locationId },
      relations: { site: true },
    });
    const moot = await this.alreadySettled(lost);
    if (moot) return this.close(repair, lost, moot);
    await assertHealBudget(this.dataSource, lost.rawDataPackageId);
    // Nearest first: a copy at this site; else made again here from what it is made of (a package from its
    // source files, a bundle from its package tars), which must come out the recorded bytes; else a copy
    // from another site, over the long link.
    const candidates = await this.candidates(lost, location);
    const attempts: (() => Promise<Outcome>)[] = [
      ...candidates
        .filter((c) => c.siteId === location.siteId)
        .map((c) => () => this.copyFrom(repair, lost, location, c)),
      ...(REMAKE[lost.kind] ? [() => this.remake(repair, lost, location)] : []),
      ...candidates
        .filter((c) => c.siteId !== location.siteId)
        .map((c) => () => this.copyFrom(repair, lost, location, c)),
    ];
    const failures: string[] = [];
    for (const attempt of attempts) {
      try {
        return await attempt();
      } catch (err) {
        // One source failing for any task reason (storage, the link) is a reason to try the next.
        if (!(err instanceof TaskError)) throw err;
        failures.push(err.message);
      }
    }
    throw new NoGoodCopyError(
      `no good copy of ${lost.kind} ${lost.relativePath} left to repair ${location.site?.shortName}/${location.name} from` +
        (failures.length ? ` (${failures.join('; ')})` : ' (no other live copy)'),
    );
  }

  private async copyFrom(
    repair: CopyRepair,
    lost: PhysicalCopy,
    location: DataLocation,
    source: Candidate,
  ): Promise<Outcome> {
    const target = this.storage.backendFor(location);
    const expected = { size: lost.size, sha256: lost.sha256 };
    try {
      const sourceLocation = await this.dataSource.manager.findOneByOrFail(DataLocation, {
        id: source.locationId,
      });
      const there = await inspectCopy(target, lost);
      if (there.loss) {
        // The object at the lost copy's path is known to be wrong (or absent). An archive object is
        // never overwritten in place, so on S3 the wrong one goes first; the key was already useless.
        if (there.found) await target.delete(lost.relativePath);
        const bytes = await this.storage.backendFor(sourceLocation).read(source.relativePath);
        await target.write(lost.relativePath, bytes, expected);
        await this.storage.verify(location, lost.relativePath, expected);
        recordMoved({ bytes: lost.size, files: 1 });
      }
    } catch (err) {
      if (err instanceof TaskError) err.message = `${source.where}: ${err.message}`;
      throw err;
    }
    const newCopyId = await this.record(repair, lost, {
      copyId: source.id,
      reason: `re-replicated from ${source.where} (copy ${source.id}) to replace lost copy ${lost.id}; read back and verified`,
    });
    this.logger.log(`repaired ${lost.kind} copy ${lost.id} at ${location.name} from ${source.where}`);
    return { repaired: lost.id, newCopyId, from: source.where };
  }

  private async remake(repair: CopyRepair, lost: PhysicalCopy, location: DataLocation): Promise<Outcome> {
    const remake = REMAKE[lost.kind]!;
    const from = await remake.from(this.dataSource, this.storage, lost, location);
    const newCopyId = await this.record(repair, lost, {
      copyId: null,
      reason: `${remake.how} ${from} to replace lost copy ${lost.id}: byte for byte the recorded tar, read back and verified`,
    });
    recordMoved({ bytes: lost.size, files: 1 });
    this.logger.log(`healed ${lost.kind} copy ${lost.id} at ${location.name}: ${remake.how} ${from}`);
    return { repaired: lost.id, newCopyId, from };
  }

  /**
   * A repair that has nothing left to do: the lost copy's object already has a live copy at that location
   * (an operator accepted a changed source file: a new copy records it), or it is a copy of a withdrawn file.
   */
  private async alreadySettled(
    lost: PhysicalCopy,
  ): Promise<{ newCopyId: string | null; why: string } | null> {
    const [live] = await this.dataSource.query(
      `SELECT c.id FROM physical_copy c
        WHERE c.location_id = $1 AND c.kind = $2 AND c.status = ANY($3::copy_status[])
          AND (c.raw_data_file_id = $4 OR c.raw_data_package_id = $5 OR c.data_transfer_package_id = $6)
        LIMIT 1`,
      [
        lost.locationId,
        lost.kind,
        LIVE_COPY_STATUSES,
        lost.rawDataFileId,
        lost.rawDataPackageId,
        lost.dataTransferPackageId,
      ],
    );
    if (live) return { newCopyId: live.id, why: `superseded by copy ${live.id} at the same location` };
    if (lost.rawDataFileId) {
      if (await isWithdrawn(this.dataSource.manager, lost.rawDataFileId))
        return { newCopyId: null, why: 'not needed: its file was withdrawn' };
    }
    return null;
  }

  private async close(
    repair: CopyRepair,
    lost: PhysicalCopy,
    moot: { newCopyId: string | null; why: string },
  ): Promise<Outcome> {
    await this.dataSource.transaction((tx) =>
      transitionRow(tx, CopyRepair, repair.id, 'status', copyRepairStatusMachine, OperationStatus.COMPLETED, {
        newCopyId: moot.newCopyId,
        failureReason: moot.why,
      }),
    );
    this.logger.log(`repair of ${lost.kind} copy ${lost.id}: ${moot.why}`);
    return { skipped: `${lost.id}: ${moot.why}` };
  }

  /** Live copies of the same object elsewhere, the nearest and most reliable first. */
  private async candidates(lost: PhysicalCopy, location: DataLocation): Promise<Candidate[]> {
    return this.dataSource.query(
      `SELECT c.id, c.location_id AS "locationId", c.relative_path AS "relativePath", l.site_id AS "siteId",
              s.short_name || '/' || l.name AS "where"
         FROM physical_copy c JOIN data_location l ON l.id = c.location_id JOIN site s ON s.id = l.site_id
        WHERE c.kind = $1 AND c.id <> $2 AND c.status = ANY($3::copy_status[]) AND c.location_id <> $4
          AND c.size = $5 AND c.sha256 = $6 AND l.storage_type <> 'tape'
          AND (c.raw_data_file_id = $7 OR c.raw_data_package_id = $8 OR c.data_transfer_package_id = $9)
        ORDER BY (l.site_id = $10) DESC, (l.storage_type = 's3') DESC, c.verified_at DESC`,
      [
        lost.kind,
        lost.id,
        LIVE_COPY_STATUSES,
        lost.locationId,
        lost.size,
        lost.sha256,
        lost.rawDataFileId,
        lost.rawDataPackageId,
        lost.dataTransferPackageId,
        location.siteId,
      ],
    );
  }

  /** The new copy (createCopies keeps the package's safe-site count) and the repair done, in one transaction. */
  private async record(
    repair: CopyRepair,
    lost: PhysicalCopy,
    from: { copyId: string | null; reason: string },
  ): Promise<string> {
    return this.dataSource.transaction(async (tx) => {
      const [newCopyId] = await this.copies.createCopies(
        tx,
        [
          {
            kind: lost.kind,
            rawDataFileId: lost.rawDataFileId ?? undefined,
            rawDataPackageId: lost.rawDataPackageId ?? undefined,
            dataTransferPackageId: lost.dataTransferPackageId ?? undefined,
            locationId: lost.locationId,
            relativePath: lost.relativePath,
            size: lost.size,
            sha256: lost.sha256,
          },
        ],
        { actor: getProcessName(), reason: from.reason },
      );
      await transitionRow(
        tx,
        CopyRepair,
        repair.id,
        'status',
        copyRepairStatusMachine,
        OperationStatus.COMPLETED,
        {
          sourceCopyId: from.copyId,
          newCopyId,
          failureReason: null,
        },
      );
      return newCopyId;
    });
  }
}
