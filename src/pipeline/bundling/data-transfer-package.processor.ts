import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Job } from 'bullmq';
import { DataSource } from 'typeorm';
import { OperationStatus } from '../../engine/work/operation-status';
import { getProcessName } from '../../engine/logging/process-name';
import { transitionRow } from '../../engine/work/transition-row';
import { DataLocation } from '../../catalog/locations/data-location.entity';
import { markLost } from '../../operations/consistency/lost-copies';
import { ArchiveMember, SourceFileError, writeTar } from '../packaging/package-archive';
import { Digest } from '../../engine/storage/verifying-stream';
import { PhysicalCopyService } from '../../catalog/physical-copies/physical-copy.service';
import { CopyKind, CopyStatus } from '../../catalog/physical-copies/physical-copy.states';
import { HandlesOperation, OperationHandler } from '../../engine/queues/operation-handler';
import { runClaimedWork } from '../../engine/queues/run-claimed-work';
import { OperationType } from '../../engine/queues/operation-type';
import { TaskPayload } from '../../engine/queues/queue-descriptor';
import { StorageService } from '../../engine/storage/storage.service';
import { recordMoved } from '../../engine/metrics/task-metrics';
import { DataTransferPackage } from './data-transfer-package.entity';
import { dataTransferPackageStatusMachine } from './data-transfer-package.states';
import { bundleMembers } from './data-transfer-package.queries';
import {
  giveBackFromBundle,
  packagesOfBundle,
  setAsideFromBundle,
} from '../packaging/package-bundle.queries';
import { sizeOfPackage } from '../packaging/raw-data-package.queries';

type Outcome = { bundled: string; size: number; sha256: string } | { skipped: string };

/**
 * Stage 2's worker side, on the buffer's queue: writes the tar of the bundle's package tars, at the same
 * buffer, each package checked against its recorded size and SHA-256 as it is read, and records the
 * bundle completed with a PRESENT copy there. A package tar found not to be what was recorded is set
 * aside to be healed and the bundle goes without it. If it fails for good, the bundle is undone: its
 * packages wait again.
 */
@Injectable()
@HandlesOperation(OperationType.DATA_TRANSFER_PACKAGE_CREATION)
export class DataTransferPackageProcessor implements OperationHandler {
  private readonly logger = new Logger(DataTransferPackageProcessor.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly storage: StorageService,
    private readonly copies: PhysicalCopyService,
  ) {}

  handle(payload: TaskPayload, context?: { job: Job<TaskPayload> }): Promise<Outcome> {
    return runClaimedWork({
      dataSource: this.dataSource,
      entity: DataTransferPackage,
      machine: dataTransferPackageStatusMachine,
      payload,
      context,
      work: (row) => this.bundle(row),
      onFinalFailure: (row, err) => this.undo(row, err),
    });
  }

  private async bundle(dtp: DataTransferPackage): Promise<Outcome> {
    const buffer = await this.dataSource.manager.findOneByOrFail(DataLocation, { id: dtp.originLocationId });
    const backend = this.storage.backendFor(buffer);
    let expectedCount = dtp.packageCount;
    let members: ArchiveMember[];
    let digest: Digest;
    // A member found bad is set aside (its copy LOST and healed, see setAside) and the bundle written
    // again without it, in this same job: the other packages do not wait for it.
    for (;;) {
      members = await bundleMembers(this.dataSource.manager, dtp.id, buffer.id);
      if (members.length !== expectedCount) {
        throw new SourceFileError(
          '',
          `bundle ${dtp.name}: ${members.length} of ${expectedCount} package tars are at ${buffer.name}`,
        );
      }
      try {
        digest = await writeTar(members, backend, backend, dtp.relativePath, 'it was recorded');
        break;
      } catch (err) {
        if (!(err instanceof SourceFileError && err.path && err.loss)) throw err;
        expectedCount = await this.setAside(dtp, buffer, err);
        if (expectedCount === 0)
          throw new SourceFileError(
            '',
            `bundle ${dtp.name}: every package tar in it was found bad at ${buffer.name}; each is being healed and goes in a later bundle`,
          );
      }
    }
    const author = { actor: getProcessName(), reason: `data transfer package ${dtp.name} written` };
    await this.dataSource.transaction(async (m) => {
      await transitionRow(
        m,
        DataTransferPackage,
        dtp.id,
        'status',
        dataTransferPackageStatusMachine,
        OperationStatus.COMPLETED,
        {
          size: digest.size,
          sha256: digest.sha256,
          failureReason: null,
        },
      );
      await this.copies.createCopies(
        m,
        [
          {
            kind: CopyKind.DATA_TRANSFER_PACKAGE,
            dataTransferPackageId: dtp.id,
            locationId: buffer.id,
            relativePath: dtp.relativePath,
            size: digest.size,
            sha256: digest.sha256,
          },
        ],
        author,
      );
    });
    recordMoved({ bytes: digest.size, files: members.length });
    this.logger.log(
      `bundled ${dtp.name}: ${members.length} packages, ${digest.size} bytes at ${buffer.name}`,
    );
    return { bundled: dtp.name, size: digest.size, sha256: digest.sha256 };
  }

  /**
   * A package tar at the buffer is not what was recorded: that copy is marked LOST (audited, its repair
   * planned: another good copy, else packed again from the source files), and the package leaves the
   * bundle to wait for its heal; it goes in a later one. Returns how many packages the bundle has left.
   */
  private async setAside(
    dtp: DataTransferPackage,
    buffer: DataLocation,
    err: SourceFileError,
  ): Promise<number> {
    const left = await this.dataSource.transaction(async (m) => {
      const [bad] = await m.query(
        `SELECT p.id, c.id AS "copyId" FROM ${packagesOfBundle('$1')} p
           JOIN physical_copy c ON c.raw_data_package_id = p.id AND c.location_id = $3 AND c.status = '${CopyStatus.PRESENT}'
          WHERE c.relative_path = $2 FOR UPDATE OF p`,
        [dtp.id, err.path, buffer.id],
      );
      if (!bad) throw err;
      await markLost(m, {
        copyId: bad.copyId,
        reason: err.loss!,
        detectedBy: 'bundling',
        details: err.message,
      });
      await setAsideFromBundle(m, bad.id);
      const [[row]] = await m.query(
        `UPDATE data_transfer_package SET package_count = package_count - 1,
                size = greatest(size - ${sizeOfPackage('$2')}, 0), updated_at = now()
          WHERE id = $1 RETURNING package_count AS left`,
        [dtp.id, bad.id],
      );
      return Number(row.left);
    });
    this.logger.warn(`bundle ${dtp.name}: set aside ${err.path} to be healed: ${err.message}`);
    return left;
  }

  /** Fails the bundle and lets its packages wait for another. */
  private async undo(dtp: DataTransferPackage, err: Error): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      await transitionRow(
        m,
        DataTransferPackage,
        dtp.id,
        'status',
        dataTransferPackageStatusMachine,
        OperationStatus.FAILED,
        {
          failureReason: err.message.slice(0, 2000),
        },
      );
      await giveBackFromBundle(m, dtp.id);
    });
    this.logger.warn(`data transfer package ${dtp.name} failed and was undone: ${err.message}`);
  }
}
