import { Module } from '@nestjs/common';
import { PhysicalCopiesModule } from '../../catalog/physical-copies/physical-copies.module';
import { QueuesModule } from '../../engine/queues/queues.module';
import { StorageModule } from '../../engine/storage/storage.module';
import { RawDataPackageManager } from './raw-data-package.manager';
import { RawDataPackageProcessor } from './raw-data-package.processor';
import { RawDataPackagesResolver } from './raw-data-packages.resolver';

/** Stage 1: raw data packages, their manager (decides) and their processor (does). */
@Module({
  imports: [QueuesModule, StorageModule, PhysicalCopiesModule],
  providers: [RawDataPackageManager, RawDataPackageProcessor],
  exports: [RawDataPackageManager, RawDataPackageProcessor],
})
export class PackagesModule {}

/**
 * What the api adds: the packages in the console. Apart from PackagesModule, so that the api does not make
 * a manager and a processor it never runs.
 */
@Module({ providers: [RawDataPackagesResolver] })
export class PackagesApiModule {}
