import { EntityTarget, ObjectLiteral } from 'typeorm';
import { OperationType } from '../queues/operation-type';
import { OperationStatus } from './operation-status';
import { StateMachine } from './state-machine';

/** A column of a work table, by its SQL name and its entity property. */
export interface WorkColumn<E> {
  sql: string;
  property: keyof E & string;
}

/**
 * How a kind of work is tied to obs units, so that an urgent unit's work is queued ahead of the rest
 * (engine/queues/job-priority.ts). Both are SQL conditions on the work row `w`, composed by the stage from
 * the owners' fragments (obsUnitUrgency in src/pipeline/ingest/obs-unit-priority.queries.ts).
 */
export interface WorkUrgency {
  /** The row serves an urgent obs unit. */
  urgentWhen: string;
  /** The row serves obs unit `unit` (SQL for its id): its queued job follows the unit's priority. */
  ofObsUnit: (unit: string) => string;
}

/**
 * One kind of work that a worker claims, declared once by the stage that owns it: its table and entity,
 * where its status and retry count live, the location whose queue does it, the operation, its state
 * machine, and how many pending rows a manager's cycle hands to the queues. The managers schedule from
 * it, and recovery, the operators' reset, the alerts and the status screen read the same declaration.
 * Every name in it is a constant of the code, never input: SQL is built from them.
 */
export interface WorkKind<E extends ObjectLiteral = ObjectLiteral> {
  /** How operators name it: `ccat-dt reset <name> <id>`, the status screen's stage. */
  name: string;
  table: string;
  entity: EntityTarget<E>;
  statusColumn: WorkColumn<E>;
  retryColumn: WorkColumn<E>;
  /** The location whose queue does the work (the source, the buffer, the destination). */
  locationColumn: string;
  operation: OperationType;
  machine: StateMachine<OperationStatus>;
  /** A further condition before a pending row may be scheduled (an unpack waits for its transfer). */
  readyWhere?: string;
  /** Pending rows one manager cycle schedules at most. */
  perCycle: number;
  /**
   * Work bound for a location that goes offline, not yet claimed, may move to the next location of its
   * type at its site (recovery's work-relocation.ts). `sameAs` names the column of what the work is about
   * (a bundle, a package): two rows about the same thing never share a location.
   */
  relocation?: { sameAs?: string };
  /**
   * Work for obs units (a package, a bundle, its transfers, uploads, staging) declares how it is tied to
   * them: its jobs then carry a BullMQ priority, an urgent unit's ahead. Work tied to no unit (repairs,
   * fixity) leaves it out and its queue stays plain first in, first out.
   */
  urgency?: WorkUrgency;
}

/** A kind of work with the usual `status` and `retry_count` columns unless it says otherwise. */
export function declareWork<E extends ObjectLiteral>(
  kind: Omit<WorkKind<E>, 'statusColumn' | 'retryColumn'> &
    Partial<Pick<WorkKind<E>, 'statusColumn' | 'retryColumn'>>,
): WorkKind<E> {
  return {
    statusColumn: { sql: 'status', property: 'status' as keyof E & string },
    retryColumn: { sql: 'retry_count', property: 'retryCount' as keyof E & string },
    ...kind,
  };
}
