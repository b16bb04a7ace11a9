import { StateMachine } from '../../engine/work/state-machine';

export enum CopyStatus {
  PRESENT = 'present',
  /** Unpacked in a PROCESSING location, the package archive removed. */
  STAGED = 'staged',
  DELETION_SCHEDULED = 'deletion_scheduled',
  DELETION_IN_PROGRESS = 'deletion_in_progress',
  /** A file copy whose package copy at the same location was deleted: it may go too. */
  DELETION_POSSIBLE = 'deletion_possible',
  DELETED = 'deleted',
  DELETION_FAILED = 'deletion_failed',
  /**
   * The bytes are not where the copy says, or not what they should be (found by `ccat-dt check` or the
   * fixity audit). Final, like DELETED: the copy counts for nothing, and a re-replication records a new one.
   */
  LOST = 'lost',
}

/** What a copy is a copy of. */
export enum CopyKind {
  RAW_DATA_FILE = 'raw_data_file',
  RAW_DATA_PACKAGE = 'raw_data_package',
  DATA_TRANSFER_PACKAGE = 'data_transfer_package',
}

const C = CopyStatus;

/**
 * A copy is born PRESENT (bytes verified where they now live) or STAGED. The only way out is the
 * deletion walk: scheduled -> in progress -> deleted or failed (and failed is scheduled again). A
 * scheduled deletion can be called off (pause, or the rule no longer holds), back to what it was, and so
 * can one in progress whose redelivered job finds its rule gone with the bytes still there;
 * recovery returns a deletion whose worker died to scheduled. Deleted is final. A copy whose bytes are
 * found missing or wrong while they should be there is LOST, also final.
 */
export const copyStatusMachine = new StateMachine<CopyStatus>('PhysicalCopy', [C.PRESENT, C.STAGED], {
  [C.PRESENT]: [C.DELETION_SCHEDULED, C.DELETION_POSSIBLE, C.LOST],
  [C.STAGED]: [C.DELETION_SCHEDULED, C.LOST],
  [C.DELETION_POSSIBLE]: [C.DELETION_SCHEDULED, C.PRESENT, C.LOST],
  [C.DELETION_SCHEDULED]: [C.DELETION_IN_PROGRESS, C.PRESENT, C.STAGED, C.DELETION_POSSIBLE, C.LOST],
  // Back to what it was: a redelivered deletion whose rule no longer holds, its bytes untouched.
  [C.DELETION_IN_PROGRESS]: [
    C.DELETED,
    C.DELETION_FAILED,
    C.DELETION_SCHEDULED,
    C.PRESENT,
    C.STAGED,
    C.DELETION_POSSIBLE,
  ],
  [C.DELETION_FAILED]: [C.DELETION_SCHEDULED, C.LOST],
  [C.DELETED]: [],
  [C.LOST]: [],
});

/** Statuses in which the bytes are (still) where the copy says. */
export const LIVE_COPY_STATUSES: readonly CopyStatus[] = [
  C.PRESENT,
  C.STAGED,
  C.DELETION_POSSIBLE,
  C.DELETION_SCHEDULED,
  C.DELETION_FAILED,
];
