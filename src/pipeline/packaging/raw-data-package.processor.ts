import { Injectable, Logger } from '@nestjs/common';
import { TransientTaskError } from '../../engine/work/task-error';
import { InjectDataSource } from '@nestjs/typeorm';
import { Job } from 'bullmq';
import { DataSource } from 'typeorm';
import { OperationStatus } from '../../engine/work/operation-status';
import { getProcessName } from '../../engine/logging/process-name';
import { transitionRow } from '../../engine/work/transition-row';
import { chooseBuffer } from '../../catalog/locations/buffer-selection';
import { DataLocation } from '../../catalog/locations/data-location.entity';
import { declareCopyAuthor, PhysicalCopyService } from '../../catalog/physical-copies/physical-copy.service';
import { CopyKind } from '../../catalog/physical-copies/physical-copy.states';
import { HandlesOperation, OperationHandler } from '../../engine/queues/operation-handler';
import { runClaimedWork } from '../../engine/queues/run-claimed-work';
import { OperationType } from '../../engine/queues/operation-type';
import { TaskPayload } from '../../engine/queues/queue-descriptor';
import { StorageService } from '../../engine/storage/storage.service';
import { recordMoved } from '../../engine/metrics/task-metrics';
import { writeTar } from './package-archive';
import { packageMembers } from './raw-data-package.queries';
import { stillOwns, takePackagingTarget } from './packaging-target';
import { RawDataPackage } from './raw-data-package.entity';
import { rawDataPackageStatusMachine } from './raw-data-package.states';

type Outcome = { packaged: string; buffer: string; size: number; sha256: string } | { skipped: string };

/**
 * Stage 1's worker side, on the SOURCE queue: claims the package, writes the tar of its files straight
 * into the site's buffer (each file checked against its registration in the same single read), and only
 * once the tar is durable there records the package as completed with a PRESENT copy at the buffer.
 * A file that differs from its registration (or is not a regular file) fails the package for good, with
 * that reason; anything else is retried, and marks the package failed only when the last attempt fails.
 * The buffer is recorded on the row before the write (see packaging-target.ts), so a retry that lands on
 * another buffer removes the earlier attempt's tar instead of leaving it there unrecorded.
 */
@Injectable()
@HandlesOperation(OperationType.RAW_DATA_PACKAGE_CREATION)
export class RawDataPackageProcessor implements OperationHandler {
  private readonly logger = new Logger(RawDataPackageProcessor.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly storage: StorageService,
    private readonly copies: PhysicalCopyService,
  ) {}

  handle(payload: TaskPayload, context?: { job: Job<TaskPayload> }): Promise<Outcome> {
    return runClaimedWork({
      dataSource: this.dataSource,
      entity: RawDataPackage,
      machine: rawDataPackageStatusMachine,
      payload,
      context,
      work: (row) => this.packageInto(row),
      onFinalFailure: (row, err) => this.fail(row.id, err.message),
    });
  }

  private async packageInto(pkg: RawDataPackage): Promise<Outcome> {
    const source = await this.dataSource.manager.findOneOrFail(DataLocation, {
      where: { id: pkg.sourceLocationId },
      relations: { site: true },
    });
    const choice = await chooseBuffer(this.dataSource.manager, source.siteId, (l) =>
      this.storage.backendFor(l),
    );
    if (!choice.buffer) {
      throw new TransientTaskError(
        'NO_BUFFER',
        `no buffer at the source's site can take data: ${choice.skipped.join('; ') || 'none is active'}`,
      );
    }
    const buffer = choice.buffer;
    await takePackagingTarget(this.dataSource, this.storage, pkg, buffer);
    const members = await packageMembers(this.dataSource.manager, pkg.id);
    const digest = await writeTar(
      members,
      this.storage.backendFor(source),
      this.storage.backendFor(buffer),
      pkg.relativePath,
      'its registration',
      `${source.site!.shortName}/${source.name}`,
    );

    const lost = await this.dataSource.transaction(async (m) => {
      const owner = await stillOwns(m, pkg, buffer);
      if (!owner.owns) return owner.why;
      await declareCopyAuthor(m, { actor: getProcessName(), reason: `raw data package ${pkg.name} written` });
      await transitionRow(
        m,
        RawDataPackage,
        pkg.id,
        'status',
        rawDataPackageStatusMachine,
        OperationStatus.COMPLETED,
        {
          size: digest.size,
          sha256: digest.sha256,
          failureReason: null,
        },
      );
      // A re-run after a crash between the write and this commit finds no copy yet: the bytes were replaced
      // atomically by the same content, and this is the first record of them.
      await this.copies.createCopies(
        m,
        [
          {
            kind: CopyKind.RAW_DATA_PACKAGE,
            rawDataPackageId: pkg.id,
            locationId: buffer.id,
            relativePath: pkg.relativePath,
            size: digest.size,
            sha256: digest.sha256,
          },
        ],
        { actor: getProcessName(), reason: `raw data package ${pkg.name} written` },
      );
      return null;
    });
    if (lost) {
      this.logger.warn(`not recording ${pkg.name} at ${buffer.name}: ${lost}; its new owner does`);
      return { skipped: `${pkg.name} ${lost}` };
    }
    recordMoved({ bytes: digest.size, files: members.length });
    this.logger.log(
      `packaged ${pkg.name}: ${members.length} files, ${digest.size} bytes into ${buffer.name}`,
    );
    return { packaged: pkg.name, buffer: buffer.name, size: digest.size, sha256: digest.sha256 };
  }

  private async fail(id: string, reason: string): Promise<void> {
    await this.dataSource.transaction((m) =>
      transitionRow(m, RawDataPackage, id, 'status', rawDataPackageStatusMachine, OperationStatus.FAILED, {
        failureReason: reason.slice(0, 2000),
      }),
    );
    this.logger.warn(`raw data package ${id} failed: ${reason}`);
  }
}
