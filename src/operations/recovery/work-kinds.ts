import { WorkKind } from '../../engine/work/work-kind';
import { ARCHIVE_WORK } from '../../pipeline/archive/long-term-archive-transfer.work';
import { BUNDLE_WORK } from '../../pipeline/bundling/data-transfer-package.work';
import { PACKAGE_WORK } from '../../pipeline/packaging/raw-data-package.work';
import { STAGING_WORK } from '../../pipeline/staging/staging-job.work';
import { TRANSFER_WORK, UNPACK_WORK } from '../../pipeline/transfer/data-transfer.work';
import { FIXITY_WORK, REPAIR_WORK } from '../consistency/consistency.work';

export type { WorkKind } from '../../engine/work/work-kind';

/**
 * Every kind of work a worker claims, in the order data meets them: what recovery, the operators'
 * reset, the alerts and the status screen go through. Each is declared by its stage.
 */
export const WORK_KINDS: WorkKind[] = [
  PACKAGE_WORK,
  BUNDLE_WORK,
  TRANSFER_WORK,
  UNPACK_WORK,
  ARCHIVE_WORK,
  STAGING_WORK,
  REPAIR_WORK,
  FIXITY_WORK,
] as WorkKind[];

export function workKind(name: string): WorkKind {
  const kind = WORK_KINDS.find((k) => k.name === name);
  if (!kind) throw new Error(`no kind of work "${name}": one of ${WORK_KINDS.map((k) => k.name).join(', ')}`);
  return kind;
}
