import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { getProcessName } from '../../common/process-name';
import { DataLocation } from '../locations/data-location.entity';
import { LocationType } from '../locations/location-type';
import { PhysicalCopy } from '../physical-copies/physical-copy.entity';
import { PhysicalCopyService } from '../physical-copies/physical-copy.service';
import { CopyStatus } from '../physical-copies/physical-copy.states';
import { HandlesOperation, OperationHandler } from '../queues/operation-handler';
import { OperationType } from '../queues/operation-type';
import { TaskPayload } from '../queues/queue-descriptor';
import { StorageService } from '../storage/storage.service';
import { recordMoved } from '../metrics/task-metrics';
import { ConfigService } from '@nestjs/config';
import { EntityManager } from 'typeorm';
import { Environment } from '../../config/environment';
import { CopyKind } from '../physical-copies/physical-copy.states';
import { statusBeforeScheduling } from './deletion-attempt';
import { deletableUnder, deletionPolicyFrom } from './deletion-rules';
import { DeletionSwitchService } from './deletion-switch.service';

type Outcome = { deleted: string; rule: string } | { skipped: string } | { keptBecause: string };

/**
 * Stage 7's worker side, on the location's DELETION queue. The claim re-checks the rule in the same
 * transaction that moves the copy to DELETION_IN_PROGRESS; a copy whose rule no longer holds goes back to
 * PRESENT. The bytes are removed only then, and the copy is DELETED after; a failure is DELETION_FAILED
 * with the reason, and scheduled again by the manager.
 */
@Injectable()
@HandlesOperation(OperationType.DELETION)
export class DeletionProcessor implements OperationHandler {
  private readonly logger = new Logger(DeletionProcessor.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly storage: StorageService,
    private readonly copies: PhysicalCopyService,
    private readonly deletionSwitch: DeletionSwitchService,
    private readonly config: ConfigService<Environment, true>,
  ) {}

  async handle(payload: TaskPayload): Promise<Outcome> {
    const actor = getProcessName();
    const claimed = await this.dataSource.transaction(async (m) => {
      const copy = await m.findOne(PhysicalCopy, {
        where: { id: payload.entityId },
        lock: { mode: 'pessimistic_write' },
      });
      if (!copy) return { skipped: `copy ${payload.entityId} does not exist` };
      if (copy.status === CopyStatus.DELETION_IN_PROGRESS) return { copy }; // a re-run after a crash
      if (copy.status !== CopyStatus.DELETION_SCHEDULED) return { skipped: `copy is ${copy.status}` };
      const location = await m.findOneByOrFail(DataLocation, { id: copy.locationId });
      const paused = await this.deletionSwitch.state(m, true);
      const rule =
        location.locationType === LocationType.LONG_TERM_ARCHIVE
          ? null
          : await deletableUnder(m, deletionPolicyFrom(this.config), copy.id);
      const keptBecause = paused.paused
        ? `deletion is paused${paused.reason ? ` (${paused.reason})` : ''}`
        : rule
          ? null
          : 'no deletion rule holds any more';
      if (keptBecause) {
        await this.copies.transition(
          copy.id,
          await statusBeforeScheduling(m, copy.id),
          { actor, reason: keptBecause },
          m,
        );
        return { keptBecause };
      }
      await this.copies.transition(
        copy.id,
        CopyStatus.DELETION_IN_PROGRESS,
        { actor, reason: `rule: ${rule}` },
        m,
      );
      return { copy, rule };
    });
    if (!('copy' in claimed)) return claimed as Outcome;
    const copy = claimed.copy!;
    const location = await this.dataSource.manager.findOneByOrFail(DataLocation, { id: copy.locationId });
    try {
      await this.storage.backendFor(location).delete(copy.relativePath);
    } catch (err) {
      await this.copies.transition(copy.id, CopyStatus.DELETION_FAILED, {
        actor,
        reason: `delete: ${(err as Error).message}`.slice(0, 2000),
      });
      throw err;
    }
    await this.dataSource.transaction(async (m) => {
      await this.copies.transition(copy.id, CopyStatus.DELETED, { actor, reason: 'bytes removed' }, m);
      if (copy.kind === CopyKind.RAW_DATA_PACKAGE)
        await this.filesMayGo(m, copy.rawDataPackageId!, copy.locationId);
    });
    recordMoved({ bytes: Number(copy.size), files: 1 });
    this.logger.log(`deleted ${copy.relativePath} at ${location.name} (${claimed.rule ?? 'resumed'})`);
    return { deleted: copy.relativePath, rule: claimed.rule ?? 'resumed after a crash' };
  }

  /** The files of a package whose copy at this location was just deleted: DELETION_POSSIBLE there. */
  private async filesMayGo(m: EntityManager, packageId: string, locationId: number): Promise<void> {
    const files: { id: string }[] = await m.query(
      `SELECT c.id FROM physical_copy c JOIN raw_data_file f ON f.id = c.raw_data_file_id
        WHERE f.raw_data_package_id = $1 AND c.location_id = $2 AND c.status = 'present'`,
      [packageId, locationId],
    );
    for (const f of files)
      await this.copies.transition(
        f.id,
        CopyStatus.DELETION_POSSIBLE,
        { actor: getProcessName(), reason: 'its package copy here was deleted' },
        m,
      );
  }
}
