import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Job } from 'bullmq';
import { DataSource } from 'typeorm';
import { OperationStatus } from '../../engine/work/operation-status';
import { getProcessName } from '../../engine/logging/process-name';
import { transitionRow } from '../../engine/work/transition-row';
import { confirmLoss } from '../../operations/consistency/lost-copies';
import { DataLocation } from '../../catalog/locations/data-location.entity';
import { PhysicalCopyService } from '../../catalog/physical-copies/physical-copy.service';
import { CopyKind, CopyStatus, LIVE_COPY_STATUSES } from '../../catalog/physical-copies/physical-copy.states';
import { OPERATION_SETTINGS } from '../../engine/queues/operation-settings';
import { ChecksumMismatchError, ObjectNotFoundError } from '../../engine/storage/storage-errors';
import { Digest } from '../../engine/storage/verifying-stream';
import { HandlesOperation, OperationHandler } from '../../engine/queues/operation-handler';
import { runClaimedWork } from '../../engine/queues/run-claimed-work';
import { OperationType } from '../../engine/queues/operation-type';
import { TaskPayload } from '../../engine/queues/queue-descriptor';
import { StorageService } from '../../engine/storage/storage.service';
import { recordMoved } from '../../engine/metrics/task-metrics';
import { DataTransferPackage } from '../bundling/data-transfer-package.entity';
import { DataTransfer } from './data-transfer.entity';
import { dataTransferStatusMachine, dataTransferUnpackStatusMachine } from './data-transfer.states';
import { expectedPackages, ExpectedPackages } from './expected-packages';
import { MemberRefetch } from './member-refetch';
import { UnpackResult, unpackBundle } from './verified-unpack';

type Outcome = { unpacked: number; refetched?: string[] } | { transferAgain: string } | { skipped: string };

/**
 * Stage 4's worker side, on the destination buffer's queue: unpacks a transferred bundle into its package
 * tars, each checked against its recorded checksum and every raw file inside against its registration,
 * in one read, and records the packages PRESENT at the destination. Retried apart from the transfer, so
 * the bytes are not moved again. A member whose bytes are bad costs only itself: the others are recorded,
 * and it alone is fetched again from the origin's copy of that package (member-refetch.ts). A bundle that
 * cannot be read as what was sent (a broken tar, a member too many or missing) fails the unpack; if its
 * copy here rotted since the transfer, the bundle comes again instead.
 */
@Injectable()
@HandlesOperation(OperationType.DATA_TRANSFER_UNPACKING)
export class DataTransferUnpackProcessor implements OperationHandler {
  private readonly logger = new Logger(DataTransferUnpackProcessor.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly storage: StorageService,
    private readonly copies: PhysicalCopyService,
    private readonly refetch: MemberRefetch,
  ) {}

  handle(payload: TaskPayload, context?: { job: Job<TaskPayload> }): Promise<Outcome> {
    return runClaimedWork({
      dataSource: this.dataSource,
      entity: DataTransfer,
      machine: dataTransferUnpackStatusMachine,
      column: 'unpackStatus',
      payload,
      context,
      work: (row) => this.unpack(row),
      failurePrefix: 'unpack: ',
    });
  }

  private async unpack(t: DataTransfer): Promise<Outcome> {
    const m = this.dataSource.manager;
    const bundle = await m.findOneByOrFail(DataTransferPackage, { id: t.dataTransferPackageId });
    const destination = await m.findOneByOrFail(DataLocation, { id: t.destinationLocationId });
    const packages = await expectedPackages(this.dataSource, bundle.id);
    // Packages an earlier attempt already verified and recorded here are read past, not written again.
    const held = await this.heldAt(
      destination,
      [...packages.values()].map((p) => p.id),
    );
    const skip = new Set([...packages].filter(([, p]) => held.has(p.id)).map(([path]) => path));
    const backend = this.storage.backendFor(destination);
    let result: UnpackResult;
    try {
      result = await unpackBundle(await backend.read(bundle.relativePath), backend, packages, skip);
    } catch (err) {
      return this.afterFailedUnpack(t, bundle, destination, packages, err);
    }
    // The good members are recorded at once: a bad one costs only itself.
    await this.record(
      destination,
      packages,
      result.written,
      `unpacked from ${bundle.name}, every file verified`,
    );
    const refetched = await this.refetchBad(t, bundle, destination, packages, result.bad);
    // Other sites are sent this bundle from here: if its copy rotted, it is written again from the package
    // tars now verified here (bundle-rebuild.ts) before anything reads it onwards.
    if (refetched.length)
      await confirmLoss(
        this.dataSource,
        backend,
        { locationId: destination.id, path: bundle.relativePath },
        'unpack',
        `member(s) ${refetched.join(', ')} of it were bad at unpack`,
      );
    await this.markUnpacked(t);
    const bytes = [...result.written.values()].reduce((n, d) => n + d.size, 0);
    recordMoved({ bytes, files: result.written.size });
    this.logger.log(
      `unpacked ${bundle.name}: ${result.written.size} packages verified at ${destination.name}` +
        (skip.size ? `, ${skip.size} held from an earlier attempt` : '') +
        (refetched.length ? `, ${refetched.length} fetched again on their own: ${refetched.join(', ')}` : ''),
    );
    return refetched.length
      ? { unpacked: result.written.size + refetched.length, refetched }
      : { unpacked: result.written.size + skip.size };
  }

  /**
   * A bundle that could not be unpacked as sent: if its copy here rotted, it is transferred again;
   * otherwise the bundle itself is wrong and `err` stands.
   */
  private async afterFailedUnpack(
    t: DataTransfer,
    bundle: DataTransferPackage,
    destination: DataLocation,
    packages: ExpectedPackages,
    err: unknown,
  ): Promise<Outcome> {
    const rotten = await this.rottenSinceTransfer(bundle, destination);
    if (!rotten) {
      // The package tars written before the bad member would otherwise stay behind with no copy row.
      await this.removeUnrecorded(destination, [...packages.keys()]);
      throw err;
    }
    await this.transferAgain(t, bundle, destination, `${rotten}; unpack said: ${(err as Error).message}`);
    await this.removeUnrecorded(destination, [...packages.keys()]);
    return { transferAgain: rotten };
  }

  /** Each bad member fetched again on its own from the origin's copy of its package, and recorded. */
  private async refetchBad(
    t: DataTransfer,
    bundle: DataTransferPackage,
    destination: DataLocation,
    packages: ExpectedPackages,
    bad: UnpackResult['bad'],
  ): Promise<string[]> {
    const m = this.dataSource.manager;
    const refetched: string[] = [];
    for (const [path, why] of bad) {
      const origin = await m.findOneByOrFail(DataLocation, { id: t.originLocationId });
      const digest = await this.refetch.package(
        origin,
        t.method,
        destination,
        path,
        packages.get(path)!,
        why,
      );
      await this.record(
        destination,
        packages,
        new Map([[path, digest]]),
        `fetched again on its own from ${origin.name}, every file verified: its member in ${bundle.name} was bad (${why.slice(0, 500)})`,
      );
      refetched.push(path);
    }
    return refetched;
  }

  private async markUnpacked(t: DataTransfer): Promise<void> {
    await this.dataSource.transaction((tx) =>
      transitionRow(
        tx,
        DataTransfer,
        t.id,
        'unpackStatus',
        dataTransferUnpackStatusMachine,
        OperationStatus.COMPLETED,
        {
          failureReason: null,
        },
      ),
    );
  }

  /** Packages with a live copy at `location`. */
  private async heldAt(location: DataLocation, packageIds: string[]): Promise<Set<string>> {
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT raw_data_package_id AS id FROM physical_copy
        WHERE location_id = $1 AND raw_data_package_id = ANY($2::uuid[]) AND status = ANY($3::copy_status[])`,
      [location.id, packageIds, LIVE_COPY_STATUSES],
    );
    return new Set(rows.map((r) => r.id));
  }

  private async record(
    at: DataLocation,
    packages: ExpectedPackages,
    written: Map<string, Digest>,
    reason: string,
  ): Promise<void> {
    if (written.size === 0) return;
    await this.dataSource.transaction((tx) =>
      this.copies.createCopies(
        tx,
        [...written].map(([path, digest]) => ({
          kind: CopyKind.RAW_DATA_PACKAGE,
          rawDataPackageId: packages.get(path)!.id,
          locationId: at.id,
          relativePath: path,
          size: digest.size,
          sha256: digest.sha256,
        })),
        { actor: getProcessName(), reason },
      ),
    );
  }

  /**
   * Whether the bundle at the destination is no longer the bytes that were transferred and verified (a
   * disk that rotted or lost it). Read only when an unpack failed: then the fault is the copy, not the
   * bundle, and the cure is another transfer from the origin. Null when the copy is intact, so the bundle
   * itself is wrong and the failure stands.
   */
  private async rottenSinceTransfer(bundle: DataTransferPackage, at: DataLocation): Promise<string | null> {
    try {
      await this.storage.verify(at, bundle.relativePath, { size: bundle.size, sha256: bundle.sha256! });
      return null;
    } catch (err) {
      if (err instanceof ChecksumMismatchError || err instanceof ObjectNotFoundError) {
        return `the copy of ${bundle.name} at ${at.name} went bad after its transfer: ${err.message}`;
      }
      throw err;
    }
  }

  /**
   * The corrupt copy stops counting (walked to DELETED, the reason in its history), the transfer goes
   * back to pending so the manager sends the bundle again (or fails it, out of retries), and the unpack
   * waits for it. One transaction; the bytes are removed after it, so no PRESENT copy ever lacks its bytes.
   */
  private async transferAgain(
    t: DataTransfer,
    bundle: DataTransferPackage,
    at: DataLocation,
    reason: string,
  ): Promise<void> {
    const attempts = OPERATION_SETTINGS[OperationType.DATA_TRANSFER].attempts;
    const outOfRetries = t.retryCount + 1 >= attempts;
    await this.dataSource.transaction(async (tx) => {
      const [copy] = await tx.query(
        `SELECT id FROM physical_copy WHERE data_transfer_package_id = $1 AND location_id = $2 AND status = '${CopyStatus.PRESENT}'`,
        [bundle.id, at.id],
      );
      if (copy) {
        const author = { actor: getProcessName(), reason: `corrupt: ${reason}` };
        for (const to of [
          CopyStatus.DELETION_SCHEDULED,
          CopyStatus.DELETION_IN_PROGRESS,
          CopyStatus.DELETED,
        ]) {
          await this.copies.transition(copy.id, to, author, tx);
        }
      }
      await transitionRow(
        tx,
        DataTransfer,
        t.id,
        'status',
        dataTransferStatusMachine,
        outOfRetries ? OperationStatus.FAILED : OperationStatus.PENDING,
        { retryCount: t.retryCount + 1, failureReason: reason.slice(0, 2000), bytesTransferred: 0 },
      );
      await transitionRow(
        tx,
        DataTransfer,
        t.id,
        'unpackStatus',
        dataTransferUnpackStatusMachine,
        outOfRetries ? OperationStatus.FAILED : OperationStatus.PENDING,
        // A new attempt, so a new job id: the finished job of this one is still remembered by the queue.
        { unpackRetryCount: t.unpackRetryCount + 1 },
      );
    });
    this.logger.warn(`${outOfRetries ? 'giving up on' : 'transferring again'} ${bundle.name}: ${reason}`);
    await this.storage
      .backendFor(at)
      .delete(bundle.relativePath)
      .catch(() => undefined);
  }

  /** Package tars this failed unpack wrote before it stopped, and that no copy row claims. */
  private async removeUnrecorded(at: DataLocation, paths: string[]): Promise<void> {
    const recorded: { relative_path: string }[] = await this.dataSource.query(
      `SELECT relative_path FROM physical_copy WHERE location_id = $1 AND relative_path = ANY($2::text[]) AND status <> '${CopyStatus.DELETED}'`,
      [at.id, paths],
    );
    const keep = new Set(recorded.map((r) => r.relative_path));
    const backend = this.storage.backendFor(at);
    for (const path of paths.filter((p) => !keep.has(p))) await backend.delete(path).catch(() => undefined);
  }
}
