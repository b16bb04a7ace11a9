import { Module } from '@nestjs/common';
import { StorageModule } from '../../engine/storage/storage.module';
import { DeletionSwitchModule } from '../../pipeline/deletion/deletion-switch.module';
import { ExplainCommand } from './explain.command';
import { ExplainController } from './explain.controller';
import { ExplainService } from './explain.service';

/** "Why is this file not safe yet?": for the CLI, the console and the alerts. */
@Module({
  imports: [StorageModule, DeletionSwitchModule],
  providers: [ExplainService, ExplainCommand],
  exports: [ExplainService],
})
export class ExplainModule {}

/** What the api app adds: GET /raw-data-files/:id/explain. */
@Module({ imports: [ExplainModule], controllers: [ExplainController] })
export class ExplainApiModule {}
