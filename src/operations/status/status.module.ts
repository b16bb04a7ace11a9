import { Module } from '@nestjs/common';
import { DeletionSwitchModule } from '../../pipeline/deletion/deletion-switch.module';
import { PipelineOverviewService } from './pipeline-overview.service';
import { StatusService } from './status.service';

/** The pipeline at a glance: `ccat-dt status`, the console's overview, and what the alerts read. */
@Module({
  imports: [DeletionSwitchModule],
  providers: [StatusService, PipelineOverviewService],
  exports: [StatusService, PipelineOverviewService],
})
export class StatusModule {}
