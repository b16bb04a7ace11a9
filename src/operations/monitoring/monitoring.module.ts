import { Module } from '@nestjs/common';
import { QueuesModule } from '../../engine/queues/queues.module';
import { StorageModule } from '../../engine/storage/storage.module';
import { MonitoringManager } from './monitoring.manager';
import { MonitoringProcessor } from './monitoring.processor';

/** Measuring every location where it lives, for the managers, alerts and status. */
@Module({
  imports: [QueuesModule, StorageModule],
  providers: [MonitoringManager, MonitoringProcessor],
  exports: [MonitoringProcessor],
})
export class MonitoringModule {}
