import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Job } from 'bullmq';
import { DataSource } from 'typeorm';
import { OperationStatus } from '../../engine/work/operation-status';
import { getProcessName } from '../../engine/logging/process-name';
import { transitionRow } from '../../engine/work/transition-row';
import { DataLocation } from '../../catalog/locations/data-location.entity';
import { fixityBytesVerified, fixityChecks, fixityFailures } from '../../engine/metrics/fixity-metrics';
import { PhysicalCopy } from '../../catalog/physical-copies/physical-copy.entity';
import { declareCopyAuthor } from '../../catalog/physical-copies/physical-copy.service';
import { CopyStatus } from '../../catalog/physical-copies/physical-copy.states';
import { HandlesOperation, OperationHandler } from '../../engine/queues/operation-handler';
import { OperationType } from '../../engine/queues/operation-type';
import { TaskPayload } from '../../engine/queues/queue-descriptor';
import { runClaimedWork } from '../../engine/queues/run-claimed-work';
import { StorageService } from '../../engine/storage/storage.service';
import { confirmPresence, Inspection, inspectCopy } from './copy-inspection';
import { fixityCheckStatusMachine } from './copy-repair.states';
import { FixityCheck } from './fixity-check.entity';
import { markLost } from './lost-copies';

type Outcome = { copy: string; ok: boolean; bytes: number } | { skipped: string };

/**
 * The fixity audit's worker side, on the archive location's queue: re-hashes one copy by streaming it
 * through the storage layer and records what it found. A copy that is missing or differs is marked LOST
 * in the same transaction and its re-replication planned (the copy repair manager hands it on); the
 * copy_lost alert tells operators.
 */
@Injectable()
@HandlesOperation(OperationType.FIXITY)
export class FixityProcessor implements OperationHandler {
  private readonly logger = new Logger(FixityProcessor.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly storage: StorageService,
  ) {}

  handle(payload: TaskPayload, context?: { job: Job<TaskPayload> }): Promise<Outcome> {
    return runClaimedWork({
      dataSource: this.dataSource,
      entity: FixityCheck,
      machine: fixityCheckStatusMachine,
      payload,
      context,
      work: (row) => this.check(row),
    });
  }

  private async check(row: FixityCheck): Promise<Outcome> {
    const m = this.dataSource.manager;
    const copy = await m.findOneByOrFail(PhysicalCopy, { id: row.copyId });
    const location = await m.findOneOrFail(DataLocation, {
      where: { id: row.locationId },
      relations: { site: true },
    });
    const labels = { site: location.site?.shortName ?? '', location: location.name };
    if (copy.status !== CopyStatus.PRESENT) {
      await this.completeUnchecked(row, copy);
      return { skipped: `copy ${copy.id} is ${copy.status}` };
    }
    const started = Date.now();
    const backend = this.storage.backendFor(location);
    const presence = row.depth === 'presence';
    const inspection = presence ? await confirmPresence(backend, copy) : await inspectCopy(backend, copy);
    const durationMs = Date.now() - started;
    const ok = inspection.loss === null;
    await this.recordFinding(row, copy, presence, inspection, durationMs);
    fixityBytesVerified.inc(labels, inspection.bytesRead);
    fixityChecks.inc({ ...labels, result: ok ? 'ok' : 'lost' });
    if (!ok) {
      fixityFailures.inc(labels);
      this.logger.error(
        `fixity: ${copy.relativePath} at ${labels.site}/${labels.location} is ${inspection.loss === 'missing' ? 'missing' : `of the wrong ${inspection.loss}`}; marked lost, re-replication planned`,
      );
    }
    return { copy: copy.id, ok, bytes: inspection.bytesRead };
  }

  private async completeUnchecked(row: FixityCheck, copy: PhysicalCopy): Promise<void> {
    await this.dataSource.transaction((tx) =>
      transitionRow(
        tx,
        FixityCheck,
        row.id,
        'status',
        fixityCheckStatusMachine,
        OperationStatus.COMPLETED,
        {
          failureReason: `not checked: the copy is ${copy.status}`,
        },
      ),
    );
  }

  /** In one transaction: the check completed, the copy's check times, the copy LOST if not as recorded. */
  private async recordFinding(
    row: FixityCheck,
    copy: PhysicalCopy,
    presence: boolean,
    inspection: Inspection,
    durationMs: number,
  ): Promise<void> {
    const ok = inspection.loss === null;
    await this.dataSource.transaction(async (tx) => {
      await transitionRow(
        tx,
        FixityCheck,
        row.id,
        'status',
        fixityCheckStatusMachine,
        OperationStatus.COMPLETED,
        {
          checkedAt: new Date(),
          ok,
          sizeFound: inspection.found?.size ?? null,
          sha256Found: inspection.found?.sha256 ?? null,
          durationMs,
          failureReason: null,
        },
      );
      await declareCopyAuthor(tx, {
        actor: getProcessName(),
        reason: presence ? 'presence check' : 'fixity check',
      });
      // A presence check is no re-hash: it leaves the audit's order and verified_at alone.
      await tx.query(
        presence
          ? `UPDATE physical_copy SET confirmed_at = now() WHERE id = $1 AND $2`
          : `UPDATE physical_copy SET last_fixity_at = now(), verified_at = CASE WHEN $2 THEN now() ELSE verified_at END
              WHERE id = $1`,
        [copy.id, ok],
      );
      if (!ok) {
        await markLost(tx, {
          copyId: copy.id,
          reason: inspection.loss!,
          detectedBy: 'fixity',
          details: inspection.found
            ? `found ${inspection.found.size} bytes${inspection.found.sha256 ? `, sha256 ${inspection.found.sha256}` : ''}`
            : 'no object',
        });
      }
    });
  }
}
