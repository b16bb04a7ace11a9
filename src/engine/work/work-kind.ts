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
