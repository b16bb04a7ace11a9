import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Job } from 'bullmq';
import { DataSource } from 'typeorm';
import { OperationStatus } from '../../common/operation-status';
import { getProcessName } from '../../common/process-name';
import { transitionRow } from '../../common/transition-row';
import { DataLocation } from '../locations/data-location.entity';
import { ArchiveMember, SourceFileError, writeTar } from '../packages/package-archive';
import { PhysicalCopyService } from '../physical-copies/physical-copy.service';
import { CopyKind } from '../physical-copies/physical-copy.states';
import { HandlesOperation, OperationHandler } from '../queues/operation-handler';
import { runClaimedWork } from '../queues/run-claimed-work';
import { OperationType } from '../queues/operation-type';
import { TaskPayload } from '../queues/queue-descriptor';
import { StorageService } from '../storage/storage.service';
import { recordMoved } from '../metrics/task-metrics';
import { DataTransferPackage } from './data-transfer-package.entity';
import { dataTransferPackageStatusMachine } from './data-transfer-package.states';

type Outcome = { bundled: string; size: number; sha256: string } | { skipped: string };

/**
 * Stage 2's worker side, on the buffer's queue: writes the tar of the bundle's package tars, at the same
 * buffer, each package checked against its recorded size and SHA-256 as it is read, and records the
 * bundle completed with a PRESENT copy there. If it fails for good, the bundle is undone: its packages
 * wait again, except one whose tar is not what was recorded, which is marked failed with the reason.
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
    const members: ArchiveMember[] = (
      await this.dataSource.query(
        `SELECT c.relative_path AS path, c.size, c.sha256, p.updated_at AS mtime
           FROM raw_data_package p
           JOIN physical_copy c ON c.raw_data_package_id = p.id AND c.location_id = $2 AND c.status = 'present'
          WHERE p.data_transfer_package_id = $1
          ORDER BY c.relative_path`,
        [dtp.id, buffer.id],
      )
    ).map((r: { path: string; size: string; sha256: string; mtime: Date }) => ({
      ...r,
      size: Number(r.size),
    }));
    if (members.length !== dtp.packageCount) {
      throw new SourceFileError(
        '',
        `bundle ${dtp.name}: ${members.length} of ${dtp.packageCount} package tars are at ${buffer.name}`,
      );
    }
    const backend = this.storage.backendFor(buffer);
    const digest = await writeTar(members, backend, backend, dtp.relativePath, 'it was recorded');
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

  /** Fails the bundle and lets its packages wait for another; a package whose tar is bad fails itself. */
  private async undo(dtp: DataTransferPackage, err: Error): Promise<void> {
    const badPath = err instanceof SourceFileError ? err.path : null;
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
      await m.query(
        `UPDATE raw_data_package SET state = 'failed', failure_reason = $3, data_transfer_package_id = NULL, updated_at = now()
          WHERE data_transfer_package_id = $1 AND relative_path = $2 AND state = 'transferring'`,
        [dtp.id, badPath, `its tar at the buffer is not what was recorded: ${err.message}`.slice(0, 2000)],
      );
      await m.query(
        `UPDATE raw_data_package SET state = 'waiting', data_transfer_package_id = NULL, updated_at = now()
          WHERE data_transfer_package_id = $1 AND state = 'transferring'`,
        [dtp.id],
      );
    });
    this.logger.warn(`data transfer package ${dtp.name} failed and was undone: ${err.message}`);
  }
}
