import { CopyRepair } from '../modules/consistency/copy-repair.entity';
import { FixityCheck } from '../modules/consistency/fixity-check.entity';
import { StagingJob, StagingJobPackage } from '../modules/staging/staging-job.entity';
import { LocationUsage } from '../modules/monitoring/location-usage.entity';
import { DataTransferRoute } from '../modules/routing/data-transfer-route.entity';
import { Alert } from '../modules/alerts/alert.entity';
import { EventOutbox } from '../modules/events/event-outbox.entity';
import { DeletionSwitch } from '../modules/deletion/deletion-switch.entity';
import { LongTermArchiveTransfer } from '../modules/long-term-archive/long-term-archive-transfer.entity';
import { ApiToken } from '../modules/auth/api-token.entity';
import { AdminSession } from '../modules/auth/admin-session.entity';
import { DataLocation } from '../modules/locations/data-location.entity';
import { ManagerCycle } from '../modules/managers/manager-cycle.entity';
import { ExecutedObsUnit } from '../modules/obs-units/executed-obs-unit.entity';
import { Instrument } from '../modules/observatory/instrument.entity';
import { InstrumentModule } from '../modules/observatory/instrument-module.entity';
import { Observatory } from '../modules/observatory/observatory.entity';
import { Telescope } from '../modules/observatory/telescope.entity';
import { RawDataPackage } from '../modules/packages/raw-data-package.entity';
import { PhysicalCopyEvent } from '../modules/physical-copies/physical-copy-event.entity';
import { PhysicalCopy } from '../modules/physical-copies/physical-copy.entity';
import { LocationCopyTotals } from '../modules/physical-copies/location-copy-totals.entity';
import { RawDataFile } from '../modules/raw-data-files/raw-data-file.entity';
import { RawDataFileTotals } from '../modules/raw-data-files/raw-data-file-totals.entity';
import { Site } from '../modules/sites/site.entity';
import { DataTransferPackage } from '../modules/transfers/data-transfer-package.entity';
import { DataTransfer } from '../modules/transfers/data-transfer.entity';

/** Every entity, listed once; each stage's issue adds its own here together with its migration. */
export const ENTITIES = [
  Observatory,
  Telescope,
  Instrument,
  InstrumentModule,
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
