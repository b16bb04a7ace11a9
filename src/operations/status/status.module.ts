import { Module } from '@nestjs/common';
import { DeletionSwitchModule } from '../../pipeline/deletion/deletion-switch.module';
import { ReplicationModule } from '../../pipeline/archive/replication.module';
import { ExplainModule } from '../explain/explain.module';
import { QueuesModule } from '../../engine/queues/queues.module';
import { OverviewResolver } from './overview.resolver';
import { PipelineOverviewService } from './pipeline-overview.service';
import { StatusCommand } from './status.command';
import { StatusService } from './status.service';

/** The pipeline at a glance: `ccat-dt status`, the console's overview, and what the alerts read. */
@Module({
  imports: [DeletionSwitchModule, ReplicationModule, ExplainModule, QueuesModule],
  providers: [StatusService, PipelineOverviewService, OverviewResolver, StatusCommand],
  exports: [StatusService, PipelineOverviewService],
})
export class StatusModule {}
