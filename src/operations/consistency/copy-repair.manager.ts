import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Manager, PipelineManager } from '../../engine/managers/pipeline-manager';
import { OperationType } from '../../engine/queues/operation-type';
import { schedulePending } from '../../engine/queues/schedule-work';
import { TaskQueueService } from '../../engine/queues/task-queue.service';
import { CopyRepair } from './copy-repair.entity';
import { copyRepairStatusMachine } from './copy-repair.states';

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
    const enqueued = await schedulePending(this.dataSource, this.queues, {
      entity: CopyRepair,
      machine: copyRepairStatusMachine,
      operation: OperationType.COPY_REPAIR,
      table: 'copy_repair',
      locationColumn: 'location_id',
      limit: 200,
    });
    return { enqueued };
  }
}
