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
import { deletableUnder } from './deletion-rules';

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
      const rule =
        location.locationType === LocationType.LONG_TERM_ARCHIVE ? null : await deletableUnder(m, copy.id);
      if (!rule) {
        await this.copies.transition(
          copy.id,
          CopyStatus.PRESENT,
          { actor, reason: 'no deletion rule holds any more' },
          m,
        );
        return { keptBecause: 'no deletion rule holds any more' };
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
    await this.copies.transition(copy.id, CopyStatus.DELETED, { actor, reason: 'bytes removed' });
    this.logger.log(`deleted ${copy.relativePath} at ${location.name} (${claimed.rule ?? 'resumed'})`);
    return { deleted: copy.relativePath, rule: claimed.rule ?? 'resumed after a crash' };
  }
}
