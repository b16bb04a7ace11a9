import { Module } from '@nestjs/common';
import { HistoryManager } from './history.manager';
import { HistoryResolver } from './history.resolver';
import { PipelineHistoryService } from './pipeline-history.service';

/** The pipeline over time: the hourly rollup behind the console's charts, sampled by the managers. */
@Module({
  providers: [PipelineHistoryService, HistoryManager, HistoryResolver],
  exports: [PipelineHistoryService],
})
export class HistoryModule {}
