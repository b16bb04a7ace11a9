import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Job } from 'bullmq';
import { DataSource } from 'typeorm';
import { OperationStatus } from '../../common/operation-status';
import { getProcessName } from '../../common/process-name';
import { transitionRow } from '../../common/transition-row';
import { DataLocation } from '../locations/data-location.entity';
import { recordMoved } from '../metrics/task-metrics';
import { refreshLtaSiteCount } from '../packages/lta-site-count';
import { PhysicalCopy } from '../physical-copies/physical-copy.entity';
import { PhysicalCopyService } from '../physical-copies/physical-copy.service';
import { LIVE_COPY_STATUSES } from '../physical-copies/physical-copy.states';
import { HandlesOperation, OperationHandler } from '../queues/operation-handler';
import { OperationType } from '../queues/operation-type';
import { TaskPayload } from '../queues/queue-descriptor';
import { runClaimedWork } from '../queues/run-claimed-work';
import { StorageError } from '../storage/storage-errors';
import { StorageService } from '../storage/storage.service';
import { inspectCopy } from './copy-inspection';
import { CopyRepair } from './copy-repair.entity';
import { copyRepairStatusMachine } from './copy-repair.states';

/** No live copy of the object elsewhere verifies: the repair cannot succeed by retrying. */
export class NoGoodCopyError extends StorageError {
  readonly retryable = false;
}

interface Candidate {
  id: string;
  locationId: number;
  relativePath: string;
  where: string;
}

type Outcome = { repaired: string; newCopyId: string; from: string } | { skipped: string };

/**
 * Re-replicates a lost copy, on the queue of its location (so the worker with access to that storage does
 * it): a live copy of the same object elsewhere (same site first, then object stores, then the rest) is
 * streamed into the lost copy's path through the storage layer, which writes to a temporary name (disk) or
 * a multipart upload (S3) and puts it in place only if size and SHA-256 match; it is read back and hashed,
 * and only then recorded as a new PRESENT copy. A source that does not verify is passed over for the next.
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
    const target = this.storage.backendFor(location);
    const expected = { size: lost.size, sha256: lost.sha256 };
    const failures: string[] = [];
    for (const source of await this.candidates(lost, location)) {
      try {
        const sourceLocation = await m.findOneByOrFail(DataLocation, { id: source.locationId });
        const sourceBackend = this.storage.backendFor(sourceLocation);
        const there = await inspectCopy(target, lost);
        if (there.loss) {
          // The object at the lost copy's path is known to be wrong (or absent). An archive object is
          // never overwritten in place, so on S3 the wrong one goes first; the key was already useless.
          if (there.found) await target.delete(lost.relativePath);
          await target.write(lost.relativePath, await sourceBackend.read(source.relativePath), expected);
          await this.storage.verify(location, lost.relativePath, expected);
          recordMoved({ bytes: lost.size, files: 1 });
        }
        const newCopyId = await this.record(repair, lost, source);
        this.logger.log(`repaired ${lost.kind} copy ${lost.id} at ${location.name} from ${source.where}`);
        return { repaired: lost.id, newCopyId, from: source.where };
      } catch (err) {
        if (!(err instanceof StorageError)) throw err;
        failures.push(`${source.where}: ${err.message}`);
      }
    }
    throw new NoGoodCopyError(
      `no good copy of ${lost.kind} ${lost.relativePath} left to repair ${location.site?.shortName}/${location.name} from` +
        (failures.length ? ` (${failures.join('; ')})` : ' (no other live copy)'),
    );
  }

  /** Live copies of the same object elsewhere, the nearest and most reliable first. */
  private async candidates(lost: PhysicalCopy, location: DataLocation): Promise<Candidate[]> {
    return this.dataSource.query(
      `SELECT c.id, c.location_id AS "locationId", c.relative_path AS "relativePath",
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

  /** The new copy, the repair done, and the package's archive count, in one transaction. */
  private async record(repair: CopyRepair, lost: PhysicalCopy, source: Candidate): Promise<string> {
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
        {
          actor: getProcessName(),
          reason: `re-replicated from ${source.where} (copy ${source.id}) to replace lost copy ${lost.id}; read back and verified`,
        },
      );
      await transitionRow(
        tx,
        CopyRepair,
        repair.id,
        'status',
        copyRepairStatusMachine,
        OperationStatus.COMPLETED,
        {
          sourceCopyId: source.id,
          newCopyId,
          failureReason: null,
        },
      );
      if (lost.rawDataPackageId) await refreshLtaSiteCount(tx, lost.rawDataPackageId);
      return newCopyId;
    });
  }
}
