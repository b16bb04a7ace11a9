import { Module } from '@nestjs/common';
import { DeletionSwitchService } from '../../pipeline/deletion/deletion-switch.service';
import { ExplainService } from '../explain/explain.service';
import { StatusService } from '../status/status.service';
import { StorageModule } from '../../engine/storage/storage.module';
import { AlertConditions } from './alert-conditions';
import { AlertManager } from './alert.manager';

/** Telling operators, once, what needs them: late files, permanent failures, sites without a worker, full disks. */
@Module({
  imports: [StorageModule],
  providers: [AlertManager, AlertConditions, StatusService, ExplainService, DeletionSwitchService],
  exports: [AlertManager],
})
export class AlertsModule {}
