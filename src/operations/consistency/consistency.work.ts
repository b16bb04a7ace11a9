import { declareWork } from '../../engine/work/work-kind';
import { OperationType } from '../../engine/queues/operation-type';
import { CopyRepair } from './copy-repair.entity';
import { copyRepairStatusMachine, fixityCheckStatusMachine } from './copy-repair.states';
import { FixityCheck } from './fixity-check.entity';

/** A lost copy made again, by the worker of the location that lost it. */
export const REPAIR_WORK = declareWork({
  name: 'repair',
  table: 'copy_repair',
  entity: CopyRepair,
  locationColumn: 'location_id',
  operation: OperationType.COPY_REPAIR,
  machine: copyRepairStatusMachine,
  // A retiring archive takes no new copies: its lost copy is re-homed elsewhere by the archive reconciler,
  // and the repair waits (it goes on if the retirement is taken back).
  readyWhere: `NOT EXISTS (SELECT 1 FROM data_location rl WHERE rl.id = w.location_id AND rl.retiring)`,
  perCycle: 200,
});

/** A copy's bytes (or presence) checked where it lies. */
export const FIXITY_WORK = declareWork({
  name: 'fixity',
  table: 'fixity_check',
  entity: FixityCheck,
  locationColumn: 'location_id',
  operation: OperationType.FIXITY,
  machine: fixityCheckStatusMachine,
  perCycle: 1000,
});
