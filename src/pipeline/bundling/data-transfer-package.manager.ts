import { Injectable, Logger } from '@nestjs/common';
import { TransientTaskError } from '../../engine/work/task-error';
import { BUNDLE_WORK } from './data-transfer-package.work';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { Environment } from '../../config/environment';
import { DataLocation } from '../../catalog/locations/data-location.entity';
import { Manager, PipelineManager } from '../../engine/managers/pipeline-manager';
import { takeIntoBundle } from '../packaging/package-bundle.queries';
import { schedulePending } from '../../engine/queues/schedule-work';
import { TaskQueueService } from '../../engine/queues/task-queue.service';
import { Bundle, bundleWaitingPackages } from './bundling';
import { DataTransferPackage } from './data-transfer-package.entity';
import { findWaitingPackages } from './data-transfer-package.queries';

const WAITING_PER_CYCLE = 5000;

/**
 * Stage 2's manager: bundles the raw packages waiting at each buffer into data transfer packages, up to
 * TRANSFER_PACKAGE_MAX_BYTES, or whatever has waited TRANSFER_PACKAGE_MAX_WAIT, and puts the bundling job
 * on the buffer's queue. Bundled packages are TRANSFERRING.
 */
@Injectable()
@PipelineManager({ kind: 'data_transfer_package', interval: 'DATA_TRANSFER_PACKAGE_MANAGER_INTERVAL' })
export class DataTransferPackageManager implements Manager {
  private readonly logger = new Logger(DataTransferPackageManager.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly queues: TaskQueueService,
    private readonly config: ConfigService<Environment, true>,
  ) {}

  async runCycle(): Promise<Record<string, unknown>> {
    const bundlesCreated = await this.createBundles();
    const enqueued = await this.enqueuePending();
    return { bundlesCreated, enqueued };
  }

  async createBundles(): Promise<number> {
    const waiting = await findWaitingPackages(this.dataSource.manager, WAITING_PER_CYCLE);
    const bundles = bundleWaitingPackages(
      waiting,
      this.config.get('TRANSFER_PACKAGE_MAX_BYTES', { infer: true }),
      this.config.get('TRANSFER_PACKAGE_MAX_WAIT', { infer: true }),
    );
    for (const bundle of bundles) await this.dataSource.transaction((m) => this.record(m, bundle));
    if (bundles.length)
      this.logger.log(
        `bundled ${waiting.length} waiting packages into ${bundles.length} transfer package(s)`,
      );
    return bundles.length;
  }

  private async record(m: EntityManager, bundle: Bundle): Promise<void> {
    const origin = await m.findOneOrFail(DataLocation, {
      where: { id: bundle.locationId },
      relations: { site: true },
    });
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
    const name = `${origin.site!.shortName}_${origin.name}_${stamp}_${randomBytes(3).toString('hex')}`;
    const saved = await m.save(
      m.create(DataTransferPackage, {
        name,
        relativePath: `transfer/${name}.tar`,
        originLocationId: origin.id,
        size: bundle.bytes,
        packageCount: bundle.packages.length,
      }),
    );
    const moved = await takeIntoBundle(
      m,
      saved.id,
      bundle.packages.map((p) => p.id),
    );
    if (moved !== bundle.packages.length) {
      throw new TransientTaskError(
        'BUNDLE_CLAIM_RACE',
        `bundle ${name}: only ${moved} of ${bundle.packages.length} packages were still waiting`,
      );
    }
  }

  enqueuePending(): Promise<number> {
    return schedulePending(this.dataSource, this.queues, BUNDLE_WORK);
  }
}
