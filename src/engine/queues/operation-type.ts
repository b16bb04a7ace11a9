import { LocationType } from '../../catalog/locations/location-type';

/** Every kind of work a worker does; each is one queue per location where it applies. */
export enum OperationType {
  RAW_DATA_PACKAGE_CREATION = 'raw_data_package_creation',
  DATA_TRANSFER_PACKAGE_CREATION = 'data_transfer_package_creation',
  DATA_TRANSFER = 'data_transfer',
  DATA_TRANSFER_UNPACKING = 'data_transfer_unpacking',
  LONG_TERM_ARCHIVE_TRANSFER = 'long_term_archive_transfer',
  STAGING = 'staging',
  DELETION = 'deletion',
  MONITORING = 'monitoring',
  /** Re-replicating a lost copy into its location from a verified copy elsewhere. */
  COPY_REPAIR = 'copy_repair',
  /** Re-hashing an archived copy (the fixity audit). */
  FIXITY = 'fixity',
}

const O = OperationType;

/** Which operations have a queue at a location of each type (the spec's operation/location matrix). */
export const QUEUE_OPERATIONS_BY_LOCATION_TYPE: Readonly<Record<LocationType, readonly OperationType[]>> = {
  [LocationType.SOURCE]: [O.RAW_DATA_PACKAGE_CREATION, O.DELETION, O.MONITORING, O.COPY_REPAIR, O.FIXITY],
  [LocationType.BUFFER]: [
    O.DATA_TRANSFER_PACKAGE_CREATION,
    O.DATA_TRANSFER,
    O.DATA_TRANSFER_UNPACKING,
    O.DELETION,
    O.MONITORING,
    O.COPY_REPAIR,
    O.FIXITY,
  ],
  // DELETION at an archive runs only when an operator empties a retiring one (deletion-rules.ts).
  [LocationType.LONG_TERM_ARCHIVE]: [
    O.LONG_TERM_ARCHIVE_TRANSFER,
    O.DELETION,
    O.MONITORING,
    O.COPY_REPAIR,
    O.FIXITY,
  ],
  [LocationType.PROCESSING]: [O.STAGING, O.DELETION, O.MONITORING, O.COPY_REPAIR],
};
