import { Injectable, Logger } from '@nestjs/common';
import { fileCopiesOfPackage, filesOfPackage } from '../ingest/raw-data-file.queries';
import { packageHeaders } from '../packaging/raw-data-package.queries';
import { TransientTaskError } from '../../engine/work/task-error';
import { InjectDataSource } from '@nestjs/typeorm';
import { Job } from 'bullmq';
import { DataSource } from 'typeorm';
import { OperationStatus } from '../../engine/work/operation-status';
import { getProcessName } from '../../engine/logging/process-name';
import { transitionRow } from '../../engine/work/transition-row';
import { DataLocation } from '../../catalog/locations/data-location.entity';
import { PhysicalCopyService } from '../../catalog/physical-copies/physical-copy.service';
import { CopyKind, CopyStatus } from '../../catalog/physical-copies/physical-copy.states';
import { HandlesOperation, OperationHandler } from '../../engine/queues/operation-handler';
import { OperationType } from '../../engine/queues/operation-type';
import { TaskPayload } from '../../engine/queues/queue-descriptor';
import { runClaimedWork } from '../../engine/queues/run-claimed-work';
import { StorageBackend } from '../../engine/storage/storage-backend';
import { ObjectConflictError } from '../../engine/storage/storage-errors';
import { StorageService } from '../../engine/storage/storage.service';
import { recordMoved } from '../../engine/metrics/task-metrics';
import { StagedFile, unpackPackageTo } from './staged-unpack';
import { StagingJob } from './staging-job.entity';
import { stagingJobStatusMachine } from './staging-job.states';
import { recordFileEvent } from '../../operations/events/record-file-event';
import { LocationType } from '../../catalog/locations/location-type';

type Outcome = { staged: number; files: number; bytes: number } | { skipped: string };

interface PackageToStage {
  id: string;
  name: string;
  size: number;
  sha256: string;
}

/** A file of the package: `name` is its registered path (its member in the tar), `path` where it is staged. */
type FileToStage = StagedFile & { id: string; name: string; under: string };

/** Where a package is read from: a verified copy in an active archive. */
interface ArchiveCopy {
  path: string;
  site: string;
  location: DataLocation;
}

/** Stats and hashes of files found at their staged path, this many at a time. */
const LOOKUPS_AT_ONCE = 16;
/** How often a job waits to try again for a package another job is staging at the same location. */
const LOCK_RETRY_MS = 500;

/**
 * Stage 6's worker side, on the PROCESSING location's STAGING queue. Package by package: read the tar from
 * the nearest archive with a verified copy (same site first), unpack it there with every file checked
 * against its registration, and in one transaction record the files STAGED and the package staged, with
 * the job's progress. A retry goes on from the first package not staged.
 *
 * Relative paths are unique only per source location, so each file is staged at
 * `<site>/<source location>/<relative path>`: files of two instruments' computers or two sites never
 * meet. One job at a time stages a given package at a given location (stagingLock), so a file
 * at its staged path is either recorded, or left by an attempt that died before recording it; either way
 * it is checked and kept, never written over, and a failing job removes only the files it wrote itself.
 */
@Injectable()
@HandlesOperation(OperationType.STAGING)
export class StagingProcessor implements OperationHandler {
  private readonly logger = new Logger(StagingProcessor.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly storage: StorageService,
    private readonly copies: PhysicalCopyService,
  ) {}

  handle(payload: TaskPayload, context?: { job: Job<TaskPayload> }): Promise<Outcome> {
    return runClaimedWork({
      dataSource: this.dataSource,
      entity: StagingJob,
      machine: stagingJobStatusMachine,
      payload,
      context,
      failurePrefix: 'staging: ',
      work: (job) => this.stage(job),
    });
  }

  private async stage(job: StagingJob): Promise<Outcome> {
    const m = this.dataSource.manager;
    const destination = await m.findOneByOrFail(DataLocation, { id: job.destinationLocationId });
    const waiting: { id: string }[] = await m.query(
      `SELECT jp.raw_data_package_id AS id FROM staging_job_package jp
        WHERE jp.staging_job_id = $1 AND jp.staged_at IS NULL`,
      [job.id],
    );
    const todo: PackageToStage[] = await packageHeaders(
      m,
      waiting.map((p) => p.id),
    );
    let files = 0;
    let bytes = 0;
    for (const pkg of todo) {
      const done = await stagingLock(this.dataSource, destination.id, pkg.id, () =>
        this.stagePackage(job, pkg, destination),
      );
      files += done.files;
      bytes += done.bytes;
    }
    await this.dataSource.transaction((tx) =>
      transitionRow(tx, StagingJob, job.id, 'status', stagingJobStatusMachine, OperationStatus.COMPLETED, {
        completedAt: new Date(),
        failureReason: null,
      }),
    );
    return { staged: todo.length, files, bytes };
  }

  /** One package, under its staging lock at the destination. */
  private async stagePackage(job: StagingJob, pkg: PackageToStage, destination: DataLocation) {
    const target = this.storage.backendFor(destination);
    const where = `${destination.name} (${target.description})`;
    const source = await this.nearestArchiveCopy(pkg.id, destination.siteId);
    const files = await this.filesToStage(pkg.id);
    const recorded = await this.recordedCopies(pkg.id, destination, where);
    const isRecorded = new Set(recorded.map((c) => c.fileId));
    const unrecorded = files.filter((f) => !isRecorded.has(f.id));
    const found = await this.alreadyThere(target, where, unrecorded);
    const keep = new Set([...files.filter((f) => isRecorded.has(f.id)), ...found].map((f) => f.name));
    const tar = await this.storage.backendFor(source.location).read(source.path);
    const written = new Set(
      await unpackPackageTo(
        tar,
        target,
        {
          pkg: { size: pkg.size, sha256: pkg.sha256 },
          label: `${pkg.name} from ${source.site}/${source.location.name}`,
          files: new Map(files.map((f) => [f.name, f])),
        },
        keep,
      ),
    );
    const pkgBytes = files.reduce((s, f) => s + f.size, 0);
    // Should this transaction fail, what was written stays: the commit may have happened all the same,
    // and a retry finds the files recorded, or at their path with the right bytes, and keeps them.
    await this.recordStaged(job, pkg, destination, source, files, unrecorded, pkgBytes);
    const fresh = files.filter((f) => written.has(f.name));
    // Only what this run wrote; files found staged here already were checked, not moved.
    recordMoved({ bytes: fresh.reduce((n, f) => n + f.size, 0), files: fresh.length });
    this.logger.log(
      `staged ${pkg.name} (${files.length} files, ${fresh.length} written) at ${destination.name} from ${source.site}`,
    );
    return { files: files.length, bytes: pkgBytes };
  }

  private filesToStage(packageId: string): Promise<FileToStage[]> {
    return this.dataSource.manager.query(
      `SELECT f.id, f.relative_path AS name, s.short_name || '/' || l.name AS under,
              s.short_name || '/' || l.name || '/' || f.relative_path AS path, f.size::float8 AS size, f.sha256
         FROM ${filesOfPackage('$1')} f JOIN data_location l ON l.id = f.source_location_id JOIN site s ON s.id = l.site_id
        ORDER BY f.relative_path`,
      [packageId],
    );
  }

  /** The package's file copies recorded at the destination and not gone. */
  private async recordedCopies(packageId: string, destination: DataLocation, where: string) {
    const recorded: { fileId: string; status: CopyStatus; path: string }[] =
      await this.dataSource.manager.query(
        `SELECT c.raw_data_file_id AS "fileId", c.status, c.relative_path AS path
           FROM (${fileCopiesOfPackage('$1')}) c
          WHERE c.location_id = $2 AND c.status NOT IN ('${CopyStatus.DELETED}', '${CopyStatus.LOST}')`,
        [packageId, destination.id],
      );
    // A staged copy on its way out is the deletion's to finish (or to call off, now that this job needs
    // it): nothing here touches its bytes, and a retry finds it staged or gone.
    const leaving = recorded.find((c) => c.status !== CopyStatus.STAGED && c.status !== CopyStatus.PRESENT);
    if (leaving)
      throw new TransientTaskError(
        'COPY_BUSY',
        `${leaving.path} at ${where} is ${leaving.status}; staging it once that is done`,
      );
    return recorded;
  }

  /** In one transaction: the new copies STAGED, the event, the package staged and the job's progress. */
  private recordStaged(
    job: StagingJob,
    pkg: PackageToStage,
    destination: DataLocation,
    source: ArchiveCopy,
    files: FileToStage[],
    unrecorded: FileToStage[],
    pkgBytes: number,
  ): Promise<void> {
    return this.dataSource.transaction(async (tx) => {
      await this.copies.createCopies(
        tx,
        unrecorded.map((f) => ({
          kind: CopyKind.RAW_DATA_FILE,
          rawDataFileId: f.id,
          locationId: destination.id,
          relativePath: f.path,
          size: f.size,
          sha256: f.sha256,
          status: CopyStatus.STAGED,
        })),
        {
          actor: getProcessName(),
          reason: `staged for job ${job.id} from ${source.site}/${source.location.name}`,
        },
      );
      await recordFileEvent(tx, {
        type: 'file.staged',
        packageIds: [pkg.id],
        locationId: destination.id,
        // A package holds the files of one source location, so one directory says where they all are.
        details: { stagingJobId: job.id, ...(files.length ? { stagedUnder: files[0].under } : {}) },
      });
      await tx.query(
        `UPDATE staging_job_package SET staged_at = now() WHERE staging_job_id = $1 AND raw_data_package_id = $2`,
        [job.id, pkg.id],
      );
      await tx.query(
        `UPDATE staging_job SET files_done = files_done + $2, bytes_done = bytes_done + $3, updated_at = now() WHERE id = $1`,
        [job.id, files.length, pkgBytes],
      );
    });
  }

  /**
   * Files at their staged path that no copy records: left by an attempt that died between writing and
   * recording. Kept if their bytes are the registered ones; anything else there is not ours to replace.
   */
  private async alreadyThere(target: StorageBackend, where: string, files: FileToStage[]) {
    const found: FileToStage[] = [];
    for (let i = 0; i < files.length; i += LOOKUPS_AT_ONCE) {
      await Promise.all(
        files.slice(i, i + LOOKUPS_AT_ONCE).map(async (f) => {
          const info = await target.stat(f.path);
          if (!info) return;
          const have = info.size === f.size ? await target.digest(f.path) : { ...info, sha256: '' };
          if (have.size === f.size && have.sha256 === f.sha256) found.push(f);
          else
            throw new ObjectConflictError(
              `${f.path} at ${where} is not ${f.name} as registered (${have.size} bytes, not ${f.size}` +
                `${have.sha256 ? `; sha256 ${have.sha256}` : ''}): not written over; move it away, then reset the job`,
            );
        }),
      );
    }
    return found;
  }

  /** A verified archive copy of the package, at the destination's own site if there is one. */
  private async nearestArchiveCopy(packageId: string, siteId: number): Promise<ArchiveCopy> {
    const [row] = await this.dataSource.query(
      `SELECT c.relative_path AS path, l.id AS "locationId", s.short_name AS site
         FROM physical_copy c JOIN data_location l ON l.id = c.location_id JOIN site s ON s.id = l.site_id
        WHERE c.raw_data_package_id = $1 AND c.status = '${CopyStatus.PRESENT}' AND l.location_type = '${LocationType.LONG_TERM_ARCHIVE}' AND l.active
        ORDER BY (l.site_id = $2) DESC, l.priority, l.id LIMIT 1`,
      [packageId, siteId],
    );
    if (!row)
      throw new TransientTaskError(
        'NO_ARCHIVE_COPY',
        `package ${packageId} has no verified copy in an active archive`,
      );
    const location = await this.dataSource.manager.findOneByOrFail(DataLocation, { id: row.locationId });
    return { path: row.path as string, site: row.site as string, location };
  }
}

/**
 * Runs `work` as the only staging of one package at one location, across every worker: a transaction-level
 * advisory lock on a connection of its own, held while the work writes and records on others, and
 * released with that connection if the process dies. A second job for the package waits, then finds its
 * files recorded. It waits between tries, not on the lock: a connection held by a waiter could be the one
 * the holder needs from the pool.
 */
async function stagingLock<T>(
  dataSource: DataSource,
  locationId: number,
  packageId: string,
  work: () => Promise<T>,
): Promise<T> {
  for (;;) {
    const lock = dataSource.createQueryRunner();
    await lock.connect();
    try {
      await lock.startTransaction();
      const [{ locked }] = await lock.query(
        `SELECT pg_try_advisory_xact_lock(hashtext('staging'), hashtext($1)) AS locked`,
        [`${locationId}:${packageId}`],
      );
      if (locked) return await work();
    } finally {
      await lock.rollbackTransaction().catch(() => undefined);
      await lock.release();
    }
    await new Promise((r) => setTimeout(r, LOCK_RETRY_MS));
  }
}
