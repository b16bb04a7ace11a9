import { Injectable, Logger } from '@nestjs/common';
import { TransientTaskError } from '../../engine/work/task-error';
import { PACKAGE_WORK } from './raw-data-package.work';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Environment } from '../../config/environment';
import { Manager, PipelineManager } from '../../engine/managers/pipeline-manager';
import { schedulePending } from '../../engine/queues/schedule-work';
import { TaskQueueService } from '../../engine/queues/task-queue.service';
import { PackageSlice, sliceIntoPackages } from './package-slicing';
import { RawDataPackage } from './raw-data-package.entity';
import { assignFilesToPackage, findReadyUnpackagedFiles } from '../ingest/unpackaged-files.queries';

/** Obs units taken per cycle, so one cycle stays short however large the backlog. */
const UNITS_PER_CYCLE = 200;

/**
 * Stage 1's manager: turns the files of ready obs units into RawDataPackage rows, one per (obs unit,
 * instrument module, source location) cut at RAW_PACKAGE_MAX_BYTES, and puts their packaging jobs on the
 * source location's queue. Files registered after their unit was packaged get a new package (the next
 * sequence number), never a place in an existing one.
 */
@Injectable()
@PipelineManager({ kind: 'raw_data_package', interval: 'RAW_DATA_PACKAGE_MANAGER_INTERVAL' })
export class RawDataPackageManager implements Manager {
  private readonly logger = new Logger(RawDataPackageManager.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly queues: TaskQueueService,
    private readonly config: ConfigService<Environment, true>,
  ) {}

  async runCycle(): Promise<Record<string, unknown>> {
    let packagesCreated = 0;
    let failure: unknown;
    try {
      packagesCreated = await this.createPackages();
    } catch (err) {
      failure = err;
    }
    // What was created is enqueued even when some slices failed; the cycle is then recorded as failed.
    const enqueued = await this.enqueuePending();
    if (failure) throw failure;
    return { packagesCreated, enqueued };
  }

  /** Records new packages; each slice in its own transaction, so a failure loses nothing already done. */
  async createPackages(): Promise<number> {
    const files = await findReadyUnpackagedFiles(
      this.dataSource.manager,
      this.config.get('OBS_UNIT_GRACE', { infer: true }),
      UNITS_PER_CYCLE,
    );
    const slices = sliceIntoPackages(files, this.config.get('RAW_PACKAGE_MAX_BYTES', { infer: true }));
    for (const slice of slices) await this.dataSource.transaction((m) => this.recordPackage(m, slice));
    if (slices.length)
      this.logger.log(`created ${slices.length} raw data package(s) of ${files.length} files`);
    return slices.length;
  }

  private async recordPackage(m: EntityManager, slice: PackageSlice): Promise<void> {
    const [{ last }] = await m.query(
      `SELECT coalesce(max(sequence), 0) AS last FROM raw_data_package
        WHERE executed_obs_unit_id = $1 AND instrument_module_id = $2`,
      [slice.unitId, slice.moduleId],
    );
    const sequence = Number(last) + 1;
    const name = `${slice.unitId}_${slice.module}_${String(sequence).padStart(3, '0')}`;
    const saved = await m.save(
      m.create(RawDataPackage, {
        name,
        relativePath: `${slice.instrument}/${slice.unitId}/${name}.tar`,
        executedObsUnitId: slice.unitId,
        instrumentModuleId: slice.moduleId,
        sourceLocationId: slice.locationId,
        sequence,
        size: slice.bytes,
        fileCount: slice.files.length,
      }),
    );
    const claimed = await assignFilesToPackage(
      m,
      saved.id,
      slice.files.map((f) => f.id),
    );
    // Only this manager assigns packages and it runs under its lock; a mismatch means that broke.
    if (claimed !== slice.files.length) {
      throw new TransientTaskError(
        'PACKAGE_CLAIM_RACE',
        `package ${name}: ${claimed} of ${slice.files.length} files were still unpackaged`,
      );
    }
  }

  /** Hands pending packages to their source location's queue (see scheduleWork for the ordering). */
  enqueuePending(): Promise<number> {
    return schedulePending(this.dataSource, this.queues, PACKAGE_WORK);
  }
}
