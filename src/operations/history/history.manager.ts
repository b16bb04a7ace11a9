import { Injectable } from '@nestjs/common';
import { Manager, PipelineManager } from '../../engine/managers/pipeline-manager';
import { PipelineHistoryService } from './pipeline-history.service';

/** Samples the pipeline's totals and backlog into the hourly rollup once per HISTORY_MANAGER_INTERVAL. */
@Injectable()
@PipelineManager({ kind: 'history', interval: 'HISTORY_MANAGER_INTERVAL' })
export class HistoryManager implements Manager {
  constructor(private readonly history: PipelineHistoryService) {}

  async runCycle(): Promise<Record<string, unknown>> {
    const { hour, backlogFiles } = await this.history.sample();
    return { hour, backlogFiles };
  }
}
