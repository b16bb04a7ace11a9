import { Module } from '@nestjs/common';
import { DeletionSwitchService } from '../../pipeline/deletion/deletion-switch.service';
import { StorageModule } from '../../engine/storage/storage.module';
import { ExplainController } from './explain.controller';
import { ExplainService } from './explain.service';

/** "Why is this file not safe yet?" for the API (GET /raw-data-files/:id/explain) and the CLI. */
@Module({
  imports: [StorageModule],
  providers: [ExplainService, DeletionSwitchService],
  controllers: [ExplainController],
  exports: [ExplainService],
})
export class ExplainModule {}
