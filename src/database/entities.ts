import { CopyRepair } from '../operations/consistency/copy-repair.entity';
import { FixityCheck } from '../operations/consistency/fixity-check.entity';
import { StagingJob, StagingJobPackage } from '../pipeline/staging/staging-job.entity';
import { LocationUsage } from '../operations/monitoring/location-usage.entity';
import { DataTransferRoute } from '../catalog/routing/data-transfer-route.entity';
import { Alert } from '../operations/alerts/alert.entity';
import { EventOutbox } from '../operations/events/event-outbox.entity';
import { DeletionSwitch } from '../pipeline/deletion/deletion-switch.entity';
import { ReplicationSwitch } from '../pipeline/archive/replication-switch.entity';
import { LongTermArchiveTransfer } from '../pipeline/archive/long-term-archive-transfer.entity';
import { ApiToken } from '../engine/auth/api-token.entity';
import { AdminSession } from '../engine/auth/admin-session.entity';
import { DataLocation } from '../catalog/locations/data-location.entity';
import { ManagerCycle } from '../engine/managers/manager-cycle.entity';
import { ExecutedObsUnit } from '../pipeline/ingest/executed-obs-unit.entity';
import { Instrument } from '../catalog/observatory/instrument.entity';
import { InstrumentModuleEntity } from '../catalog/observatory/instrument-module.entity';
import { Observatory } from '../catalog/observatory/observatory.entity';
import { Telescope } from '../catalog/observatory/telescope.entity';
import { RawDataPackage } from '../pipeline/packaging/raw-data-package.entity';
import { PhysicalCopyEvent } from '../catalog/physical-copies/physical-copy-event.entity';
import { PhysicalCopy } from '../catalog/physical-copies/physical-copy.entity';
import { LocationCopyTotals } from '../catalog/physical-copies/location-copy-totals.entity';
import { RawDataFile } from '../pipeline/ingest/raw-data-file.entity';
import { RawDataFileTotals } from '../pipeline/ingest/raw-data-file-totals.entity';
import { Site } from '../catalog/sites/site.entity';
import { DataTransferPackage } from '../pipeline/bundling/data-transfer-package.entity';
import { DataTransfer } from '../pipeline/transfer/data-transfer.entity';

/** Every entity, listed once; each stage's issue adds its own here together with its migration. */
export const ENTITIES = [
  Observatory,
  Telescope,
  Instrument,
  InstrumentModuleEntity,
  Site,
  DataLocation,
  ExecutedObsUnit,
  RawDataFile,
  RawDataPackage,
  PhysicalCopy,
  PhysicalCopyEvent,
  ApiToken,
  AdminSession,
  ManagerCycle,
  DataTransferPackage,
  DataTransfer,
  LongTermArchiveTransfer,
  DeletionSwitch,
  ReplicationSwitch,
  Alert,
  StagingJob,
  StagingJobPackage,
  LocationUsage,
  DataTransferRoute,
  EventOutbox,
  CopyRepair,
  FixityCheck,
  RawDataFileTotals,
  LocationCopyTotals,
];
