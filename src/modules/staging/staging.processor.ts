import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Job } from 'bullmq';
import { DataSource } from 'typeorm';
import { OperationStatus } from '../../common/operation-status';
import { getProcessName } from '../../common/process-name';
import { transitionRow } from '../../common/transition-row';
import { DataLocation } from '../locations/data-location.entity';
import { PhysicalCopyService } from '../physical-copies/physical-copy.service';
import { CopyKind, CopyStatus } from '../physical-copies/physical-copy.states';
import { HandlesOperation, OperationHandler } from '../queues/operation-handler';
import { OperationType } from '../queues/operation-type';
import { TaskPayload } from '../queues/queue-descriptor';
import { runClaimedWork } from '../queues/run-claimed-work';
import { StorageService } from '../storage/storage.service';
import { recordMoved } from '../metrics/task-metrics';
import { unpackPackageTo } from './staged-unpack';
import { StagingJob } from './staging-job.entity';
import { stagingJobStatusMachine } from './staging-job.states';
import { recordFileEvent } from '../events/record-file-event';

type Outcome = { staged: number; files: number; bytes: number } | { skipped: string };

interface PackageToStage {
  id: string;
  name: string;
  size: number;
  sha256: string;
}

/**
 * Stage 6's worker side, on the PROCESSING location's STAGING queue. Package by package: read the tar from
 * the nearest archive with a verified copy (same site first), unpack it there with every file checked
 * against its registration, and in one transaction record the files STAGED and the package staged, with
 * the job's progress. A retry goes on from the first package not staged; files another job staged here
 * already are checked in the read, not written twice.
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
    const target = this.storage.backendFor(destination);
    const todo: PackageToStage[] = await m.query(
      `SELECT p.id, p.name, p.size::float8 AS size, p.sha256 FROM staging_job_package jp
         JOIN raw_data_package p ON p.id = jp.raw_data_package_id
        WHERE jp.staging_job_id = $1 AND jp.staged_at IS NULL ORDER BY p.name`,
      [job.id],
    );
    let files = 0;
    let bytes = 0;
    for (const pkg of todo) {
      const source = await this.nearestArchiveCopy(pkg.id, destination.siteId);
      const expectedFiles: { id: string; path: string; size: number; sha256: string }[] = await m.query(
        `SELECT id, relative_path AS path, size::float8 AS size, sha256 FROM raw_data_file WHERE raw_data_package_id = $1`,
        [pkg.id],
      );
      const already: { path: string }[] = await m.query(
        `SELECT f.relative_path AS path FROM physical_copy c JOIN raw_data_file f ON f.id = c.raw_data_file_id
          WHERE f.raw_data_package_id = $1 AND c.location_id = $2 AND c.status IN ('staged', 'present')`,
        [pkg.id, destination.id],
      );
      const tar = await this.storage.backendFor(source.location).read(source.path);
      const written = await unpackPackageTo(
        tar,
        target,
        {
          pkg: { size: pkg.size, sha256: pkg.sha256 },
          label: `${pkg.name} from ${source.site}/${source.location.name}`,
          files: new Map(expectedFiles.map((f) => [f.path, { size: f.size, sha256: f.sha256 }])),
        },
        new Set(already.map((a) => a.path)),
      );
      const fresh = expectedFiles.filter((f) => written.includes(f.path));
      const pkgBytes = expectedFiles.reduce((s, f) => s + f.size, 0);
      await this.dataSource.transaction(async (tx) => {
        await this.copies.createCopies(
          tx,
          fresh.map((f) => ({
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
          details: { stagingJobId: job.id },
        });
        await tx.query(
          `UPDATE staging_job_package SET staged_at = now() WHERE staging_job_id = $1 AND raw_data_package_id = $2`,
          [job.id, pkg.id],
        );
        await tx.query(
          `UPDATE staging_job SET files_done = files_done + $2, bytes_done = bytes_done + $3, updated_at = now() WHERE id = $1`,
          [job.id, expectedFiles.length, pkgBytes],
        );
      });
      files += expectedFiles.length;
      bytes += pkgBytes;
      // Only what this run wrote; files another job had staged here were checked, not moved.
      recordMoved({ bytes: fresh.reduce((n, f) => n + f.size, 0), files: fresh.length });
      this.logger.log(
        `staged ${pkg.name} (${expectedFiles.length} files) at ${destination.name} from ${source.site}`,
      );
    }
    await this.dataSource.transaction((tx) =>
      transitionRow(tx, StagingJob, job.id, 'status', stagingJobStatusMachine, OperationStatus.COMPLETED, {
        completedAt: new Date(),
        failureReason: null,
      }),
    );
    return { staged: todo.length, files, bytes };
  }

  /** A verified archive copy of the package, at the destination's own site if there is one. */
  private async nearestArchiveCopy(packageId: string, siteId: number) {
    const [row] = await this.dataSource.query(
      `SELECT c.relative_path AS path, l.id AS "locationId", s.short_name AS site
         FROM physical_copy c JOIN data_location l ON l.id = c.location_id JOIN site s ON s.id = l.site_id
        WHERE c.raw_data_package_id = $1 AND c.status = 'present' AND l.location_type = 'long_term_archive' AND l.active
        ORDER BY (l.site_id = $2) DESC, l.priority, l.id LIMIT 1`,
      [packageId, siteId],
    );
    if (!row) throw new Error(`package ${packageId} has no verified copy in an active archive`);
    const location = await this.dataSource.manager.findOneByOrFail(DataLocation, { id: row.locationId });
    return { path: row.path as string, site: row.site as string, location };
  }
}
