import { declareWork } from '../../engine/work/work-kind';
import { OperationType } from '../../engine/queues/operation-type';
import { LongTermArchiveTransfer } from './long-term-archive-transfer.entity';
import { longTermArchiveTransferStatusMachine } from './long-term-archive-transfer.states';
import { obsUnitUrgency } from '../ingest/obs-unit-priority.queries';
import { packagesOfObsUnits } from '../packaging/raw-data-package.queries';

/** Stage 5: the archive location's worker writes a package into it. */
export const ARCHIVE_WORK = declareWork({
  name: 'archive',
  table: 'long_term_archive_transfer',
  entity: LongTermArchiveTransfer,
  locationColumn: 'destination_location_id',
  operation: OperationType.LONG_TERM_ARCHIVE_TRANSFER,
  machine: longTermArchiveTransferStatusMachine,
  perCycle: 200,
  // A failover archive's copy may go to the site's next failover; a mirror's is its own and waits.
  relocation: { sameAs: 'raw_data_package_id' },
  urgency: obsUnitUrgency((units) => `w.raw_data_package_id IN ${packagesOfObsUnits(units)}`),
});
