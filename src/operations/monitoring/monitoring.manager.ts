import { setting } from '../../config/setting';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Environment } from '../../config/environment';
import { Manager, PipelineManager } from '../../engine/managers/pipeline-manager';
import { OperationType } from '../../engine/queues/operation-type';
import { queueName } from '../../engine/queues/queue-name';
import { TaskQueueService } from '../../engine/queues/task-queue.service';

/** Asks every active location to be measured once per MONITORING_MANAGER_INTERVAL, on its own queue. */
@Injectable()
@PipelineManager({ kind: 'monitoring', interval: 'MONITORING_MANAGER_INTERVAL' })
export class MonitoringManager implements Manager {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly queues: TaskQueueService,
    private readonly config: ConfigService<Environment, true>,
  ) {}

  async runCycle(): Promise<Record<string, unknown>> {
    const locations: { id: number; site: string; name: string }[] = await this.dataSource.query(
      `SELECT l.id, s.short_name AS site, l.name FROM data_location l JOIN site s ON s.id = l.site_id WHERE l.active`,
    );
    // One job per location and period: a second managers process in the same period adds nothing.
    const period = Math.floor(Date.now() / setting(this.config, 'MONITORING_MANAGER_INTERVAL'));
    for (const l of locations)
      await this.queues.enqueue(queueName(l.site, l.name, OperationType.MONITORING), {
        operation: OperationType.MONITORING,
        entityId: `location-${l.id}`,
        locationId: l.id,
        attempt: period,
      });
    return { enqueued: locations.length };
  }
}
