import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { getProcessName } from '../../engine/logging/process-name';
import { DataLocation } from '../../catalog/locations/data-location.entity';
import { LocationType } from '../../catalog/locations/location-type';
import { PhysicalCopy } from '../../catalog/physical-copies/physical-copy.entity';
import { PhysicalCopyService } from '../../catalog/physical-copies/physical-copy.service';
import { CopyStatus } from '../../catalog/physical-copies/physical-copy.states';
import { HandlesOperation, OperationHandler } from '../../engine/queues/operation-handler';
import { OperationType } from '../../engine/queues/operation-type';
import { TaskPayload } from '../../engine/queues/queue-descriptor';
import { StorageService } from '../../engine/storage/storage.service';
import { recordMoved } from '../../engine/metrics/task-metrics';
import { ConfigService } from '@nestjs/config';
import { EntityManager } from 'typeorm';
import { Environment } from '../../config/environment';
import { CopyKind } from '../../catalog/physical-copies/physical-copy.states';
import { statusBeforeScheduling } from './deletion-attempt';
import { deletableUnder, deletionPolicyFrom, packageOf } from './deletion-rules';
import { fileCopiesOfPackage } from '../ingest/raw-data-file.queries';
import { lockCountedArchiveCopies } from '../../catalog/physical-copies/package-safety';
import { DeletionSwitchService } from './deletion-switch.service';
import { sidecarPath } from '../archive/package-sidecar';

type Outcome = { deleted: string; rule: string } | { skipped: string } | { keptBecause: string };
type Claim =
  { copy: PhysicalCopy; location: DataLocation; rule: string } | Exclude<Outcome, { deleted: string }>;

/**
 * Stage 7's worker side, on the location's DELETION queue. The claim asks the pause switch and the rule
 * again, in the transaction that moves the copy to DELETION_IN_PROGRESS, with the archive copies the rule
 * counts locked FOR SHARE (a LOST committed before is seen, one after waits for the claim); a redelivered
 * job (the copy already in progress) asks again the same way. A copy whose rule no longer holds goes back
 * to what it was. The bytes are removed only then, and the copy is DELETED after; a failure is
 * DELETION_FAILED with the reason, and scheduled again by the manager.
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
    const claimed = await this.dataSource.transaction((m) => this.claim(m, payload.entityId, actor));
    if (!('copy' in claimed)) return claimed;
    const { copy, location, rule } = claimed;
    try {
      await this.removeBytes(copy, location);
    } catch (err) {
      await this.copies.transition(copy.id, CopyStatus.DELETION_FAILED, {
        actor,
        reason: `delete: ${(err as Error).message}`.slice(0, 2000),
      });
      throw err;
    }
    await this.recordDeleted(copy, 'bytes removed');
    this.logger.log(`deleted ${copy.relativePath} at ${location.name} (${rule})`);
    return { deleted: copy.relativePath, rule };
  }

  private async claim(m: EntityManager, copyId: string, actor: string): Promise<Claim> {
    const copy = await m.findOne(PhysicalCopy, {
      where: { id: copyId },
      lock: { mode: 'pessimistic_write' },
    });
    if (!copy) return { skipped: `copy ${copyId} does not exist` };
    const redelivered = copy.status === CopyStatus.DELETION_IN_PROGRESS;
    if (!redelivered && copy.status !== CopyStatus.DELETION_SCHEDULED)
      return { skipped: `copy is ${copy.status}` };
    const location = await m.findOneByOrFail(DataLocation, { id: copy.locationId });
    const verdict = await this.mayGo(m, copy, location);
    if ('rule' in verdict) {
      if (!redelivered)
        await this.copies.transition(
          copy.id,
          CopyStatus.DELETION_IN_PROGRESS,
          { actor, reason: `rule: ${verdict.rule}` },
          m,
        );
      return {
        copy,
        location,
        rule: redelivered ? `${verdict.rule} (asked again after a redelivery)` : verdict.rule,
      };
    }
    // A redelivered job whose earlier try already removed the bytes (under a rule that held then): the
    // copy is gone whatever the rule says now, and the record says so.
    if (redelivered && !(await this.storage.backendFor(location).stat(copy.relativePath))) {
      await this.copies.transition(
        copy.id,
        CopyStatus.DELETED,
        { actor, reason: `bytes already removed by an earlier try; now: ${verdict.keptBecause}` },
        m,
      );
      this.logger.warn(
        `${copy.relativePath} at ${location.name}: already removed by an earlier try (${verdict.keptBecause})`,
      );
      return { skipped: 'bytes already removed by an earlier try' };
    }
    const back = await statusBeforeScheduling(m, copy.id);
    await this.copies.transition(copy.id, back, { actor, reason: verdict.keptBecause }, m);
    return verdict;
  }

  /** The rule under which the copy may go now, or why it stays: the pause switch, then the rule. */
  private async mayGo(
    m: EntityManager,
    copy: PhysicalCopy,
    location: DataLocation,
  ): Promise<{ rule: string } | { keptBecause: string }> {
    const paused = await this.deletionSwitch.state(m, true);
    if (paused.paused)
      return { keptBecause: `deletion is paused${paused.reason ? ` (${paused.reason})` : ''}` };
    if (
      location.locationType === LocationType.LONG_TERM_ARCHIVE &&
      !(location.retiring && location.emptyingRequestedAt)
    )
      return {
        keptBecause: 'a long-term archive is deleted from only when it is retiring and being emptied',
      };
    const packageId = await packageOf(m, copy.id);
    if (packageId) await lockCountedArchiveCopies(m, packageId);
    const rule = await deletableUnder(m, deletionPolicyFrom(this.config), copy.id);
    return rule ? { rule } : { keptBecause: 'no deletion rule holds any more' };
  }

  /** The copy's bytes; in an archive, its sidecar too (after the package, so a retry finds what is left). */
  private async removeBytes(copy: PhysicalCopy, location: DataLocation): Promise<void> {
    const backend = this.storage.backendFor(location);
    await backend.delete(copy.relativePath);
    if (location.locationType === LocationType.LONG_TERM_ARCHIVE)
      await backend.delete(sidecarPath(copy.relativePath));
  }

  private async recordDeleted(copy: PhysicalCopy, reason: string): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      await this.copies.transition(copy.id, CopyStatus.DELETED, { actor: getProcessName(), reason }, m);
      if (copy.kind === CopyKind.RAW_DATA_PACKAGE)
        await this.filesMayGo(m, copy.rawDataPackageId!, copy.locationId);
    });
    recordMoved({ bytes: Number(copy.size), files: 1 });
  }

  /** The files of a package whose copy at this location was just deleted: DELETION_POSSIBLE there. */
  private async filesMayGo(m: EntityManager, packageId: string, locationId: number): Promise<void> {
    const files: { id: string }[] = await m.query(
      `SELECT c.id FROM (${fileCopiesOfPackage('$1')}) c WHERE c.location_id = $2 AND c.status = '${CopyStatus.PRESENT}'`,
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
