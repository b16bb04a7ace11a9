import { Module } from '@nestjs/common';
import { QueuesModule } from '../queues/queues.module';
import { RawDataPackageManager } from './raw-data-package.manager';
import { RawDataPackageProcessor } from './raw-data-package.processor';

/** Stage 1: raw data packages, their manager (decides) and their processor (does). */
@Module({
  imports: [QueuesModule],
  providers: [RawDataPackageManager, RawDataPackageProcessor],
  exports: [RawDataPackageManager, RawDataPackageProcessor],
})
export class PackagesModule {}
