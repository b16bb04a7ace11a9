import { Injectable, Logger } from '@nestjs/common';
import { markPackageArchived } from '../packaging/package-bundle.queries';
import { filesOfPackage } from '../ingest/raw-data-file.queries';
import { bundleOfPackage, sourceLocationOfPackage } from '../packaging/raw-data-package.queries';
import { TransientTaskError } from '../../engine/work/task-error';
import { InjectDataSource } from '@nestjs/typeorm';
import { Job } from 'bullmq';
import { Readable } from 'node:stream';
import { DataSource, EntityManager } from 'typeorm';
import { OperationStatus } from '../../engine/work/operation-status';
import { getProcessName } from '../../engine/logging/process-name';
import { transitionRow } from '../../engine/work/transition-row';
import { DataLocation } from '../../catalog/locations/data-location.entity';
import { RawDataPackage } from '../packaging/raw-data-package.entity';
import { PackageState } from '../packaging/raw-data-package.states';
import { PhysicalCopyService } from '../../catalog/physical-copies/physical-copy.service';
import { CopyKind } from '../../catalog/physical-copies/physical-copy.states';
import { refreshSafeSiteCount } from '../../catalog/physical-copies/package-safety';
import { HandlesOperation, OperationHandler } from '../../engine/queues/operation-handler';
import { OperationType } from '../../engine/queues/operation-type';
import { TaskPayload } from '../../engine/queues/queue-descriptor';
import { runClaimedWork } from '../../engine/queues/run-claimed-work';
import { Site } from '../../catalog/sites/site.entity';
import { StorageService } from '../../engine/storage/storage.service';
import { StorageBackend } from '../../engine/storage/storage-backend';
import { Digest } from '../../engine/storage/verifying-stream';
import { recordMoved } from '../../engine/metrics/task-metrics';
import { HttpTransferService } from '../transfer/http/http-transfer.service';
import { writeAndCheck } from '../transfer/verified-unpack';
import { reportBadRead } from '../transfer/bad-read';
import { TransferMethod } from '../transfer/data-transfer.entity';
import { ChecksumMismatchError, ObjectNotFoundError } from '../../engine/storage/storage-errors';
import { LongTermArchiveTransfer } from './long-term-archive-transfer.entity';
import { longTermArchiveTransferStatusMachine } from './long-term-archive-transfer.states';
import { serializeSidecar, sidecarDigest, sidecarPath } from './package-sidecar';
import { loadPackageSidecar } from './package-sidecar.queries';
import { directRouteJoins } from '../../catalog/routing/data-transfer-route.entity';
import { recordFileEvent } from '../../operations/events/record-file-event';
import { takesNewArchiveCopies } from '../../catalog/locations/location.queries';

type Outcome = { archived: string; bytes: number; ltaSites: number } | { skipped: string };

/**
 * Stage 5's worker side, on the archive location's queue: streams the package tar from the buffer into
 * the archive (hashed on the way; the upload completes only if it matches), writes the JSON sidecar
 * beside it, reads both back and hashes them, and only then records the archive copy PRESENT and the
 * package ARCHIVED. A worker that dies mid-upload leaves an unfinished multipart upload and no row; the
 * retry uploads again, or finds the identical object already there and goes on to verify it.
 */
@Injectable()
@HandlesOperation(OperationType.LONG_TERM_ARCHIVE_TRANSFER)
export class LongTermArchiveProcessor implements OperationHandler {
  private readonly logger = new Logger(LongTermArchiveProcessor.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly storage: StorageService,
    private readonly copies: PhysicalCopyService,
    private readonly http: HttpTransferService,
  ) {}

  private async registeredFiles(packageId: string): Promise<Map<string, { size: number; sha256: string }>> {
    const files: { path: string; size: number; sha256: string }[] = await this.dataSource.query(
      `SELECT relative_path AS path, size::float8 AS size, sha256 FROM ${filesOfPackage('$1')} f`,
      [packageId],
    );
    return new Map(files.map((f) => [f.path, { size: f.size, sha256: f.sha256 }]));
  }

  handle(payload: TaskPayload, context?: { job: Job<TaskPayload> }): Promise<Outcome> {
    return runClaimedWork({
      dataSource: this.dataSource,
      entity: LongTermArchiveTransfer,
      machine: longTermArchiveTransferStatusMachine,
      payload,
      context,
      work: (row) => this.archive(row),
    });
  }

  private async archive(t: LongTermArchiveTransfer): Promise<Outcome> {
    const { pkg, origin, archive, site } = await this.rowsOf(t);
    if (!pkg.sha256)
      throw new TransientTaskError(
        'NOT_PACKAGED',
        `package ${pkg.name} has no checksum: it was never packaged`,
      );
    const expected = { size: pkg.size, sha256: pkg.sha256 };
    const target = this.storage.backendFor(archive);
    await this.upload(pkg, origin, archive, target, expected);
    const sidecarExpected = await this.writeSidecar(t, pkg, site, archive, target);

    // The proof, from the archive itself: both objects read back and hashed.
    await this.storage.verify(archive, pkg.relativePath, expected);
    await this.storage.verify(archive, sidecarPath(pkg.relativePath), sidecarExpected);

    const ltaSites = await this.recordArchived(t, pkg, origin, archive, expected, sidecarExpected);
    recordMoved({ bytes: expected.size + sidecarExpected.size, files: 2 });
    this.logger.log(
      `archived ${pkg.name} (${expected.size} bytes) in ${site.shortName}/${archive.name}; ` +
        `${ltaSites} archive site(s) hold it`,
    );
    return { archived: pkg.name, bytes: expected.size, ltaSites };
  }

  private async rowsOf(t: LongTermArchiveTransfer) {
    const m = this.dataSource.manager;
    const pkg = await m.findOneByOrFail(RawDataPackage, { id: t.rawDataPackageId });
    const origin = await m.findOneByOrFail(DataLocation, { id: t.originLocationId });
    const archive = await m.findOneByOrFail(DataLocation, { id: t.destinationLocationId });
    const site = await m.findOneByOrFail(Site, { id: archive.siteId });
    return { pkg, origin, archive, site };
  }

  /** The package tar into the archive, its bytes checked on the way. */
  private async upload(
    pkg: RawDataPackage,
    origin: DataLocation,
    archive: DataLocation,
    target: StorageBackend,
    expected: Digest,
  ): Promise<void> {
    // From a buffer of this site, where the package was unpacked and every file verified; or, on a DIRECT
    // route, straight from the origin site's buffer over its data port, every file inside checked against
    // its registration as the package streams into the archive.
    const via = origin.siteId === archive.siteId ? TransferMethod.LOCAL : TransferMethod.HTTP;
    try {
      if (via === TransferMethod.LOCAL)
        await target.write(
          pkg.relativePath,
          await this.storage.backendFor(origin).read(pkg.relativePath),
          expected,
        );
      else
        await writeAndCheck(
          await this.http.open(origin, pkg.relativePath, pkg.size),
          target,
          pkg.relativePath,
          {
            ...expected,
            files: await this.registeredFiles(pkg.id),
          },
        );
    } catch (err) {
      // The buffer's copy is judged where it is: found bad, it is marked LOST and healed, and this upload
      // is retried after the heal rather than failing for good.
      if (err instanceof ChecksumMismatchError || err instanceof ObjectNotFoundError)
        await reportBadRead(
          { dataSource: this.dataSource, storage: this.storage, http: this.http },
          origin,
          via,
          pkg.relativePath,
          'archive upload',
          err,
        );
      throw err;
    }
  }

  /** The JSON sidecar beside the package tar; returns its size and hash. */
  private async writeSidecar(
    t: LongTermArchiveTransfer,
    pkg: RawDataPackage,
    site: Site,
    archive: DataLocation,
    target: StorageBackend,
  ): Promise<Digest> {
    const m = this.dataSource.manager;
    const sidecar = serializeSidecar(
      await loadPackageSidecar(m, pkg.id, { site: site.shortName, location: archive.name }, t.createdAt),
    );
    const sidecarExpected = sidecarDigest(sidecar);
    await target.write(sidecarPath(pkg.relativePath), Readable.from([sidecar]), sidecarExpected);
    return sidecarExpected;
  }

  /** In one transaction: the upload completed, the archive copy PRESENT, the event, the package's state. */
  private recordArchived(
    t: LongTermArchiveTransfer,
    pkg: RawDataPackage,
    origin: DataLocation,
    archive: DataLocation,
    expected: Digest,
    sidecarExpected: Digest,
  ): Promise<number> {
    return this.dataSource.transaction(async (tx) => {
      await transitionRow(
        tx,
        LongTermArchiveTransfer,
        t.id,
        'status',
        longTermArchiveTransferStatusMachine,
        OperationStatus.COMPLETED,
        {
          bytesTransferred: expected.size,
          sidecarSize: sidecarExpected.size,
          sidecarSha256: sidecarExpected.sha256,
          failureReason: null,
        },
      );
      await this.copies.createCopies(
        tx,
        [
          {
            kind: CopyKind.RAW_DATA_PACKAGE,
            rawDataPackageId: pkg.id,
            locationId: archive.id,
            relativePath: pkg.relativePath,
            ...expected,
          },
        ],
        { actor: getProcessName(), reason: `archived from ${origin.name}, read back and verified` },
      );
      await recordFileEvent(tx, {
        type: 'file.archived',
        packageIds: [pkg.id],
        locationId: archive.id,
        details: { ltaTransferId: t.id, packagePath: pkg.relativePath },
      });
      return this.markArchived(tx, pkg.id);
    });
  }

  /** Whether some archive site not served by a DIRECT route from the package's site still needs a bundle. */
  private async stillToBundle(tx: EntityManager, packageId: string): Promise<boolean> {
    const [row] = await tx.query(
      `SELECT 1 FROM data_location src
         JOIN data_location a ON ${takesNewArchiveCopies('a')} AND a.site_id <> src.site_id
        WHERE src.id = ${sourceLocationOfPackage('$1')} AND ${bundleOfPackage('$1')} IS NULL
          AND NOT ${directRouteJoins('src.site_id', 'a.site_id')}
        LIMIT 1`,
      [packageId],
    );
    return Boolean(row);
  }

  /** ARCHIVED at the first verified archive copy; the count of archive sites holding it is kept current. */
  private async markArchived(tx: EntityManager, packageId: string): Promise<number> {
    const current = await tx.findOneOrFail(RawDataPackage, {
      where: { id: packageId },
      lock: { mode: 'pessimistic_write' },
    });
    // A package archived over a DIRECT route that other archive sites still get by bundle stays WAITING,
    // so that it is bundled; it is ARCHIVED once it is no longer waiting for that.
    const waitsForBundle =
      current.state === PackageState.WAITING && (await this.stillToBundle(tx, packageId));
    if (current.state !== PackageState.ARCHIVED && !waitsForBundle) {
      await markPackageArchived(tx, packageId);
    }
    return refreshSafeSiteCount(tx, packageId);
  }
}
