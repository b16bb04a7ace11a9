import { Module } from '@nestjs/common';
import { ExplainModule } from '../explain/explain.module';
import { StatusModule } from '../status/status.module';
import { StorageModule } from '../../engine/storage/storage.module';
import { AlertConditions } from './alert-conditions';
import { AlertManager } from './alert.manager';

/** Telling operators, once, what needs them: late files, permanent failures, sites without a worker, full disks. */
@Module({
  imports: [StorageModule, StatusModule, ExplainModule],
  providers: [AlertManager, AlertConditions],
  exports: [AlertManager],
})
export class AlertsModule {}
