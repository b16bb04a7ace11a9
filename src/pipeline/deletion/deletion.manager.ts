import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { getProcessName } from '../../engine/logging/process-name';
import { Environment } from '../../config/environment';
import { locationsOverThreshold } from '../../catalog/locations/disk-usage';
import { Manager, PipelineManager } from '../../engine/managers/pipeline-manager';
import { PhysicalCopyService } from '../../catalog/physical-copies/physical-copy.service';
import { CopyStatus } from '../../catalog/physical-copies/physical-copy.states';
import { OperationType } from '../../engine/queues/operation-type';
import { queueName } from '../../engine/queues/queue-name';
import { TaskQueueService } from '../../engine/queues/task-queue.service';
import { StorageService } from '../../engine/storage/storage.service';
import { awaitingWitness, requestWitnesses, waitsForWitness } from './archive-witness';
import { deletionAttempt } from './deletion-attempt';
import { deletionPolicyFrom, findDeletable } from './deletion-rules';
import { releaseSourcePackages } from '../packaging/raw-data-package.queries';
import { DeletionSwitchService } from './deletion-switch.service';

const PER_CYCLE = 500;
const SCHEDULABLE: string[] = [
  CopyStatus.PRESENT,
  CopyStatus.STAGED,
  CopyStatus.DELETION_POSSIBLE,
  CopyStatus.DELETION_FAILED,
];

/**
 * Stage 7's manager: copies that a rule lets go (deletion-rules.ts) are marked DELETION_SCHEDULED and
 * queued on their location's DELETION queue, the same way all work is scheduled: in one transaction,
 * enqueue first, then mark. Locations over their disk threshold go first; failed deletions are scheduled
 * again. While deletion is paused it schedules nothing.
 */
@Injectable()
@PipelineManager({ kind: 'deletion', interval: 'DELETION_MANAGER_INTERVAL' })
export class DeletionManager implements Manager {
  private readonly logger = new Logger(DeletionManager.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly queues: TaskQueueService,
    private readonly copies: PhysicalCopyService,
    private readonly storage: StorageService,
    private readonly deletionSwitch: DeletionSwitchService,
    private readonly config: ConfigService<Environment, true>,
  ) {}

  async runCycle(): Promise<Record<string, unknown>> {
    if ((await this.deletionSwitch.state()).paused) return { paused: true };
    const pressured = await this.pressuredLocations();
    const policy = deletionPolicyFrom(this.config);
    const candidates = await findDeletable(this.dataSource.manager, policy, {
      limit: PER_CYCLE,
      pressured,
      witnessing: 'unwitnessed',
    });
    // Copies whose package is safe but whose archive copies were not shown by their storage recently
    // wait for presence checks at the archives (archive-witness.ts), and go in a later cycle.
    const unwitnessed = await awaitingWitness(this.dataSource, policy, candidates);
    const witnessChecks = await requestWitnesses(this.dataSource, this.queues, policy, [
      ...new Set(candidates.filter((c) => waitsForWitness(unwitnessed, c)).map((c) => c.packageId!)),
    ]);
    let scheduled = 0;
    for (const c of candidates) {
      if (waitsForWitness(unwitnessed, c)) continue;
      if (await this.schedule(c.copyId, c.site, c.location, c.locationId, `rule: ${c.rule}`)) scheduled++;
    }
    const retried = await this.retryFailed();
    const sourceReleased = await releaseSourcePackages(this.dataSource.manager);
    return {
      scheduled,
      retried,
      pressured: pressured.length,
      sourceReleased,
      awaitingWitness: unwitnessed.size,
      witnessChecks,
    };
  }

  private async pressuredLocations(): Promise<number[]> {
    const over = await locationsOverThreshold(this.dataSource.manager, (l) => this.storage.backendFor(l));
    for (const o of over)
      this.logger.warn(
        `${o.location.name} is ${o.usedPercent.toFixed(1)}% full: its eligible copies go first`,
      );
    return over.map((o) => o.location.id);
  }

  private async retryFailed(): Promise<number> {
    const failed: { copyId: string; site: string; location: string; locationId: number }[] =
      await this.dataSource.query(
        `SELECT c.id AS "copyId", s.short_name AS site, l.name AS location, l.id AS "locationId"
           FROM physical_copy c JOIN data_location l ON l.id = c.location_id JOIN site s ON s.id = l.site_id
          WHERE c.status = '${CopyStatus.DELETION_FAILED}' ORDER BY c.updated_at LIMIT $1`,
        [PER_CYCLE],
      );
    for (const f of failed)
      await this.schedule(f.copyId, f.site, f.location, f.locationId, 'retry after a failure');
    return failed.length;
  }

  private async schedule(
    copyId: string,
    site: string,
    location: string,
    locationId: number,
    reason: string,
  ): Promise<boolean> {
    return this.dataSource.transaction(async (m) => {
      const [copy] = await m.query(`SELECT status FROM physical_copy WHERE id = $1 FOR UPDATE`, [copyId]);
      if (!SCHEDULABLE.includes(copy?.status)) return false;
      await this.queues.enqueue(queueName(site, location, OperationType.DELETION), {
        operation: OperationType.DELETION,
        entityId: copyId,
        locationId,
        attempt: await deletionAttempt(m, copyId),
      });
      await this.copies.transition(
        copyId,
        CopyStatus.DELETION_SCHEDULED,
        { actor: getProcessName(), reason },
        m,
      );
      return true;
    });
  }
}
