import { Module } from '@nestjs/common';
import { PhysicalCopiesModule } from '../../catalog/physical-copies/physical-copies.module';
import { QueuesModule } from '../../engine/queues/queues.module';
import { StorageModule } from '../../engine/storage/storage.module';
import { StagingJobController } from './staging-job.controller';
import { StagingJobService } from './staging-job.service';
import { StagingJobsResolver } from './staging-jobs.resolver';
import { StagingManager } from './staging.manager';
import { StagingProcessor } from './staging.processor';

/** Stage 6 in the worker: the manager that schedules staging jobs and the processor that stages. */
@Module({
  imports: [QueuesModule, StorageModule, PhysicalCopiesModule],
  providers: [StagingManager, StagingProcessor],
  exports: [StagingManager, StagingProcessor],
})
export class StagingModule {}

/** Stage 6 in the api: requesting, following and releasing staging jobs (REST and the console). */
@Module({
  providers: [StagingJobService, StagingJobsResolver],
  controllers: [StagingJobController],
  exports: [StagingJobService],
})
export class StagingApiModule {}
