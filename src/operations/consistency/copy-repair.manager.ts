import { Injectable } from '@nestjs/common';
import { REPAIR_WORK } from './consistency.work';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Manager, PipelineManager } from '../../engine/managers/pipeline-manager';
import { schedulePending } from '../../engine/queues/schedule-work';
import { TaskQueueService } from '../../engine/queues/task-queue.service';

/**
 * Hands each planned repair of a lost copy (from `ccat-dt check --repair` or the fixity audit) to the
 * queue of the lost copy's location, whose worker can write there.
 */
@Injectable()
@PipelineManager({ kind: 'copy_repair', interval: 'COPY_REPAIR_MANAGER_INTERVAL' })
export class CopyRepairManager implements Manager {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly queues: TaskQueueService,
  ) {}

  async runCycle(): Promise<Record<string, unknown>> {
    const enqueued = await schedulePending(this.dataSource, this.queues, REPAIR_WORK);
    return { enqueued };
  }
}
