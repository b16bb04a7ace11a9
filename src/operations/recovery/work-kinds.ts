import { ObjectLiteral, EntityTarget } from 'typeorm';
import { CopyRepair } from '../consistency/copy-repair.entity';
import { copyRepairStatusMachine, fixityCheckStatusMachine } from '../consistency/copy-repair.states';
import { FixityCheck } from '../consistency/fixity-check.entity';
import { OperationStatus } from '../../engine/work/operation-status';
import { StateMachine } from '../../engine/work/state-machine';
import { LongTermArchiveTransfer } from '../../pipeline/archive/long-term-archive-transfer.entity';
import { longTermArchiveTransferStatusMachine } from '../../pipeline/archive/long-term-archive-transfer.states';
import { RawDataPackage } from '../../pipeline/packaging/raw-data-package.entity';
import { rawDataPackageStatusMachine } from '../../pipeline/packaging/raw-data-package.states';
import { OperationType } from '../../engine/queues/operation-type';
import { StagingJob } from '../../pipeline/staging/staging-job.entity';
import { stagingJobStatusMachine } from '../../pipeline/staging/staging-job.states';
import { DataTransferPackage } from '../../pipeline/bundling/data-transfer-package.entity';
import { dataTransferPackageStatusMachine } from '../../pipeline/bundling/data-transfer-package.states';
import { DataTransfer } from '../../pipeline/transfer/data-transfer.entity';
import {
  dataTransferStatusMachine,
  dataTransferUnpackStatusMachine,
} from '../../pipeline/transfer/data-transfer.states';

/**
 * Every kind of work row that a worker claims, in SQL and entity names (constants of the code, never
 * input): where its status and retry count live, whose queue does it, and its state machine. Recovery and
 * the operators' reset are written once against this table.
 */
export interface WorkKind {
  /** How operators name it: `ccat-dt reset <kind> <id>`. */
  name: string;
  table: string;
  entity: EntityTarget<ObjectLiteral>;
  statusColumn: { sql: string; property: string };
  retryColumn: { sql: string; property: string };
  locationColumn: string;
  operation: OperationType;
  machine: StateMachine<OperationStatus>;
}

const status = { sql: 'status', property: 'status' };
const retries = { sql: 'retry_count', property: 'retryCount' };

export const WORK_KINDS: WorkKind[] = [
  {
    name: 'package',
    table: 'raw_data_package',
    entity: RawDataPackage,
    statusColumn: status,
    retryColumn: retries,
    locationColumn: 'source_location_id',
    operation: OperationType.RAW_DATA_PACKAGE_CREATION,
    machine: rawDataPackageStatusMachine,
  },
  {
    name: 'bundle',
    table: 'data_transfer_package',
    entity: DataTransferPackage,
    statusColumn: status,
    retryColumn: retries,
    locationColumn: 'origin_location_id',
    operation: OperationType.DATA_TRANSFER_PACKAGE_CREATION,
    machine: dataTransferPackageStatusMachine,
  },
  {
    name: 'transfer',
    table: 'data_transfer',
    entity: DataTransfer,
    statusColumn: status,
    retryColumn: retries,
    locationColumn: 'destination_location_id',
    operation: OperationType.DATA_TRANSFER,
    machine: dataTransferStatusMachine,
  },
  {
    name: 'unpack',
    table: 'data_transfer',
    entity: DataTransfer,
    statusColumn: { sql: 'unpack_status', property: 'unpackStatus' },
    retryColumn: { sql: 'unpack_retry_count', property: 'unpackRetryCount' },
    locationColumn: 'destination_location_id',
    operation: OperationType.DATA_TRANSFER_UNPACKING,
    machine: dataTransferUnpackStatusMachine,
  },
  {
    name: 'archive',
    table: 'long_term_archive_transfer',
    entity: LongTermArchiveTransfer,
    statusColumn: status,
    retryColumn: retries,
    locationColumn: 'destination_location_id',
    operation: OperationType.LONG_TERM_ARCHIVE_TRANSFER,
    machine: longTermArchiveTransferStatusMachine,
  },
  {
    name: 'staging',
    table: 'staging_job',
    entity: StagingJob,
    statusColumn: status,
    retryColumn: retries,
    locationColumn: 'destination_location_id',
    operation: OperationType.STAGING,
    machine: stagingJobStatusMachine,
  },
  {
    name: 'repair',
    table: 'copy_repair',
    entity: CopyRepair,
    statusColumn: status,
    retryColumn: retries,
    locationColumn: 'location_id',
    operation: OperationType.COPY_REPAIR,
    machine: copyRepairStatusMachine,
  },
  {
    name: 'fixity',
    table: 'fixity_check',
    entity: FixityCheck,
    statusColumn: status,
    retryColumn: retries,
    locationColumn: 'location_id',
    operation: OperationType.FIXITY,
    machine: fixityCheckStatusMachine,
  },
];

export function workKind(name: string): WorkKind {
  const kind = WORK_KINDS.find((k) => k.name === name);
  if (!kind) throw new Error(`no kind of work "${name}": one of ${WORK_KINDS.map((k) => k.name).join(', ')}`);
  return kind;
}
