import { Initial1795541389379 } from './migrations/1795541389379-Initial';
import { PhysicalCopyAuditTrail1795541389380 } from './migrations/1795541389380-PhysicalCopyAuditTrail';
import { ManagersAndPackageSource1795543420915 } from './migrations/1795543420915-ManagersAndPackageSource';
import { CopyKindTransferPackage1795547819692 } from './migrations/1795547819692-CopyKindTransferPackage';
import { TransferPackages1795547819693 } from './migrations/1795547819693-TransferPackages';
import { DataTransfers1795548552919 } from './migrations/1795548552919-DataTransfers';
import { LongTermArchiveTransfers1795551335658 } from './migrations/1795551335658-LongTermArchiveTransfers';
import { Replication1795552672177 } from './migrations/1795552672177-Replication';
import { DeletionSwitch1795555997019 } from './migrations/1795555997019-DeletionSwitch';
import { Alerts1795557301898 } from './migrations/1795557301898-Alerts';
import { StagingJobs1795557576866 } from './migrations/1795557576866-StagingJobs';
import { LocationUsage1795557983579 } from './migrations/1795557983579-LocationUsage';
import { DataTransferRoutes1795558771547 } from './migrations/1795558771547-DataTransferRoutes';
import { EventOutbox1795562315922 } from './migrations/1795562315922-EventOutbox';
import { IntegrityChecks1795564995880 } from './migrations/1795564995880-IntegrityChecks';
import { ScaleIndexes1795566305513 } from './migrations/1795566305513-ScaleIndexes';
import { SourceReleased1795570103791 } from './migrations/1795570103791-SourceReleased';
import { SafeAtSites1795580000000 } from './migrations/1795580000000-SafeAtSites';
import { PackagingTarget1795581000000 } from './migrations/1795581000000-PackagingTarget';
import { LocationUsageSamples1795582000000 } from './migrations/1795582000000-LocationUsageSamples';
import { PipelineHours1795583000000 } from './migrations/1795583000000-PipelineHours';
import { FileAcceptWithdraw1795584000000 } from './migrations/1795584000000-FileAcceptWithdraw';
import { TimeOrderedCopyIds1795585000000 } from './migrations/1795585000000-TimeOrderedCopyIds';
import { LocationCopyTotals1795586000000 } from './migrations/1795586000000-LocationCopyTotals';
import { S3InsecureHttp1795587000000 } from './migrations/1795587000000-S3InsecureHttp';
import { AdminSessions1795588000000 } from './migrations/1795588000000-AdminSessions';
import { IngestTokenBindings1795589000000 } from './migrations/1795589000000-IngestTokenBindings';
import { ReplicationSwitch1795590000000 } from './migrations/1795590000000-ReplicationSwitch';
import { TransferTokenSites1795591000000 } from './migrations/1795591000000-TransferTokenSites';
import { ArchiveRetirement1795592000000 } from './migrations/1795592000000-ArchiveRetirement';
import { LocationModes1795592500000 } from './migrations/1795592500000-LocationModes';
import { ObsUnitPriority1795593000000 } from './migrations/1795593000000-ObsUnitPriority';

/** Migrations in the order they run; each stage's issue appends its own. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const MIGRATIONS: Function[] = [
  Initial1795541389379,
  PhysicalCopyAuditTrail1795541389380,
  ManagersAndPackageSource1795543420915,
  CopyKindTransferPackage1795547819692,
  TransferPackages1795547819693,
  DataTransfers1795548552919,
  LongTermArchiveTransfers1795551335658,
  Replication1795552672177,
  DeletionSwitch1795555997019,
  Alerts1795557301898,
  StagingJobs1795557576866,
  LocationUsage1795557983579,
  DataTransferRoutes1795558771547,
  EventOutbox1795562315922,
  IntegrityChecks1795564995880,
  ScaleIndexes1795566305513,
  SourceReleased1795570103791,
  SafeAtSites1795580000000,
  PackagingTarget1795581000000,
  LocationUsageSamples1795582000000,
  PipelineHours1795583000000,
  FileAcceptWithdraw1795584000000,
  TimeOrderedCopyIds1795585000000,
  LocationCopyTotals1795586000000,
  S3InsecureHttp1795587000000,
  AdminSessions1795588000000,
  IngestTokenBindings1795589000000,
  ReplicationSwitch1795590000000,
  TransferTokenSites1795591000000,
  ArchiveRetirement1795592000000,
  LocationModes1795592500000,
  ObsUnitPriority1795593000000,
];
