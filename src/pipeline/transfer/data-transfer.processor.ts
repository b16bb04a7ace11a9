import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Job } from 'bullmq';
import { DataSource } from 'typeorm';
import { OperationStatus } from '../../engine/work/operation-status';
import { getProcessName } from '../../engine/logging/process-name';
import { transitionRow } from '../../engine/work/transition-row';
import { DataLocation } from '../../catalog/locations/data-location.entity';
import { PhysicalCopyService } from '../../catalog/physical-copies/physical-copy.service';
import { CopyKind } from '../../catalog/physical-copies/physical-copy.states';
import { HandlesOperation, OperationHandler } from '../../engine/queues/operation-handler';
import { runClaimedWork } from '../../engine/queues/run-claimed-work';
import { OperationType } from '../../engine/queues/operation-type';
import { TaskPayload } from '../../engine/queues/queue-descriptor';
import { StorageService } from '../../engine/storage/storage.service';
import { recordMoved } from '../../engine/metrics/task-metrics';
import { DataTransferPackage } from '../bundling/data-transfer-package.entity';
import { DataTransfer, TransferMethod } from './data-transfer.entity';
import { HttpTransferService } from './http/http-transfer.service';
import { dataTransferStatusMachine } from './data-transfer.states';
import { reportBadRead } from './bad-read';
import { ChecksumMismatchError } from '../../engine/storage/storage-errors';
import { Digest } from '../../engine/storage/verifying-stream';

type Outcome = { transferred: string; bytes: number } | { skipped: string };

/**
 * Stage 3's worker side, on the destination buffer's queue: brings the bundle from its origin buffer,
 * by reading it directly (method `local`) or by pulling it from the origin worker's data port in parallel,
 * resumable ranges (method `http`); either way the bytes appear at the destination only once their size
 * and SHA-256 match. Then the transfer is completed and the bundle PRESENT at the destination.
 */
@Injectable()
@HandlesOperation(OperationType.DATA_TRANSFER)
export class DataTransferProcessor implements OperationHandler {
  private readonly logger = new Logger(DataTransferProcessor.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly storage: StorageService,
    private readonly copies: PhysicalCopyService,
    private readonly http: HttpTransferService,
  ) {}

  handle(payload: TaskPayload, context?: { job: Job<TaskPayload> }): Promise<Outcome> {
    return runClaimedWork({
      dataSource: this.dataSource,
      entity: DataTransfer,
      machine: dataTransferStatusMachine,
      payload,
      context,
      work: (row) => this.transfer(row),
    });
  }

  private async transfer(t: DataTransfer): Promise<Outcome> {
    const m = this.dataSource.manager;
    const bundle = await m.findOneByOrFail(DataTransferPackage, { id: t.dataTransferPackageId });
    const origin = await m.findOneByOrFail(DataLocation, { id: t.originLocationId });
    const destination = await m.findOneByOrFail(DataLocation, { id: t.destinationLocationId });
    const expected = { size: bundle.size, sha256: bundle.sha256! };
    let digest: Digest;
    try {
      digest = await this.pull(t, bundle, origin, destination, expected);
    } catch (err) {
      // Read in full and not the recorded bundle: the origin's copy is judged where it is, and if it rotted
      // it is written again there from its packages (bundle-rebuild.ts) before this transfer is retried.
      if (err instanceof ChecksumMismatchError)
        await reportBadRead(
          { dataSource: this.dataSource, storage: this.storage, http: this.http },
          origin,
          t.method,
          bundle.relativePath,
          'transfer',
          err,
        );
      throw err;
    }
    await this.recordTransferred(t, bundle, origin, destination, digest);
    recordMoved({ bytes: digest.size, files: 1 });
    this.logger.log(
      `transferred ${bundle.name} (${digest.size} bytes) from ${origin.name} to ${destination.name}`,
    );
    return { transferred: bundle.name, bytes: digest.size };
  }

  /** The bundle's bytes at the destination, by the transfer's method; they appear only if they match. */
  private async pull(
    t: DataTransfer,
    bundle: DataTransferPackage,
    origin: DataLocation,
    destination: DataLocation,
    expected: Digest,
  ): Promise<Digest> {
    return t.method === TransferMethod.HTTP
      ? this.http.pull(t, origin, destination, bundle.relativePath, expected, (held) =>
          // Progress for status and explain: the bytes the destination holds so far.
          this.dataSource
            .query(
              `UPDATE data_transfer SET bytes_transferred = $2 WHERE id = $1 AND status = '${OperationStatus.IN_PROGRESS}'`,
              [t.id, held],
            )
            .then(() => undefined),
        )
      : this.storage
          .backendFor(destination)
          .write(
            bundle.relativePath,
            await this.storage.backendFor(origin).read(bundle.relativePath),
            expected,
          );
  }

  /** In one transaction: the transfer completed and the bundle PRESENT at the destination. */
  private async recordTransferred(
    t: DataTransfer,
    bundle: DataTransferPackage,
    origin: DataLocation,
    destination: DataLocation,
    digest: Digest,
  ): Promise<void> {
    await this.dataSource.transaction(async (tx) => {
      await transitionRow(
        tx,
        DataTransfer,
        t.id,
        'status',
        dataTransferStatusMachine,
        OperationStatus.COMPLETED,
        {
          bytesTransferred: digest.size,
          failureReason: null,
        },
      );
      await this.copies.createCopies(
        tx,
        [
          {
            kind: CopyKind.DATA_TRANSFER_PACKAGE,
            dataTransferPackageId: bundle.id,
            locationId: destination.id,
            relativePath: bundle.relativePath,
            size: digest.size,
            sha256: digest.sha256,
          },
        ],
        { actor: getProcessName(), reason: `transferred from ${origin.name} (${t.method})` },
      );
    });
  }
}
