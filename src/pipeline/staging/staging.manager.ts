import { Injectable, Logger } from '@nestjs/common';
import { STAGING_WORK } from './staging-job.work';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Manager, PipelineManager } from '../../engine/managers/pipeline-manager';
import { schedulePending } from '../../engine/queues/schedule-work';
import { TaskQueueService } from '../../engine/queues/task-queue.service';

/**
 * Stage 6's manager: new staging jobs go on their PROCESSING location's STAGING queue; jobs past their
 * retention are released, so that the deletion rules take their staged files away.
 */
@Injectable()
@PipelineManager({ kind: 'staging', interval: 'STAGING_MANAGER_INTERVAL' })
export class StagingManager implements Manager {
  private readonly logger = new Logger(StagingManager.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly queues: TaskQueueService,
  ) {}

  async runCycle(): Promise<Record<string, unknown>> {
    const [released] = await this.dataSource.query(
      `UPDATE staging_job SET released_at = now(), updated_at = now()
        WHERE released_at IS NULL AND retain_until IS NOT NULL AND retain_until < now() RETURNING id`,
    );
    for (const r of released as { id: string }[])
      this.logger.log(`staging job ${r.id} released: its retention has passed`);
    const enqueued = await schedulePending(this.dataSource, this.queues, STAGING_WORK);
    return { enqueued, released: (released as unknown[]).length };
  }
}
