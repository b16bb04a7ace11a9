import { DataSource } from 'typeorm';
import { TaskError } from '../../engine/work/task-error';
import { LossReason } from '../../operations/consistency/copy-repair.entity';
import { confirmLoss } from '../../operations/consistency/lost-copies';
import { DataLocation } from '../../catalog/locations/data-location.entity';
import { StorageService } from '../../engine/storage/storage.service';
import { TransferMethod } from './data-transfer.entity';
import { HttpTransferService } from './http/http-transfer.service';
import { OriginCheckDetector } from './http/origin-check';

/** The copy a stage reads from was found bad where it lives and is being healed: try again after the heal. */
export class SourceCopyHealingError extends TaskError {
  readonly retryable = true;
}

export interface BadReadDeps {
  dataSource: DataSource;
  storage: StorageService;
  http: HttpTransferService;
}

/**
 * A worker read `path` at `holder` in full (for a transfer, an unpack's re-fetch or an archive upload),
 * `via` the holder's data port or directly, and the bytes were not what was recorded. The holder's copy is
 * judged where it lives, reached the same way: by the holder's own worker over its data port, or read
 * directly. A copy found bad there is marked LOST and healed; then this throws SourceCopyHealingError, so the
 * stage is retried once the heal is done. When the copy is as recorded, the fault was on the way, and
 * `onTheWay` is thrown as it was.
 */
export async function reportBadRead(
  deps: BadReadDeps,
  holder: DataLocation,
  via: TransferMethod,
  path: string,
  detectedBy: OriginCheckDetector,
  onTheWay: Error,
): Promise<never> {
  const details = onTheWay.message;
  const found: { loss: LossReason | null } | null =
    via === TransferMethod.HTTP
      ? await deps.http.askOriginToCheck(holder, path, detectedBy, details)
      : await confirmLoss(
          deps.dataSource,
          deps.storage.backendFor(holder),
          { locationId: holder.id, path },
          detectedBy,
          details,
        );
  if (!found?.loss) throw onTheWay;
  throw new SourceCopyHealingError(
    `${holder.name}/${path} is ${found.loss === 'missing' ? 'missing' : `of the wrong ${found.loss}`} there: marked LOST and being healed (found by ${detectedBy}: ${details})`,
  );
}
