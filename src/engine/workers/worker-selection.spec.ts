import { LocationType } from '../../catalog/locations/location-type';
import { QUEUE_OPERATIONS_BY_LOCATION_TYPE } from '../queues/operation-type';
import { QueueDescriptor } from '../queues/queue-descriptor';
import { parseWorkerArgs } from './worker-options';
import { checkSelection, queuesOfLocation, selectsLocation, selectsQueue } from './worker-selection';

const queues = (site: string, location: string, type: LocationType, active = true) =>
  queuesOfLocation(site, location, type).map((q, i): QueueDescriptor & { active: boolean } => ({
    ...q,
    locationId: i,
    locationType: type,
    active,
  }));
const every = [
  ...queues('ccat', 'buffer', LocationType.BUFFER),
  ...queues('cologne', 'buffer', LocationType.BUFFER),
  ...queues('cologne', 'buffer_backup', LocationType.BUFFER, false),
  ...queues('cologne', 'lta', LocationType.LONG_TERM_ARCHIVE),
];
const active = every.filter((q) => q.active);
const selected = (...argv: string[]) =>
  active.filter((q) => selectsQueue(parseWorkerArgs(argv), q)).map((q) => q.name);
/** Expected from the operation/location-type matrix, so that a new operation does not change the test. */
const named = (where: (q: QueueDescriptor) => boolean) => active.filter(where).map((q) => q.name);
const BUFFER_QUEUES = QUEUE_OPERATIONS_BY_LOCATION_TYPE[LocationType.BUFFER].length;
const ARCHIVE_QUEUES = QUEUE_OPERATIONS_BY_LOCATION_TYPE[LocationType.LONG_TERM_ARCHIVE].length;

describe('which queues a worker binds', () => {
  it('--site and --locations each add locations, as before', () => {
    expect(selected('--site', 'ccat')).toHaveLength(BUFFER_QUEUES);
    expect(selected('--site', 'ccat', '--locations', 'cologne_lta')).toHaveLength(
      BUFFER_QUEUES + ARCHIVE_QUEUES,
    );
  });

  it('--operations narrows a site down, or takes the operation everywhere', () => {
    const deletionOrMonitoring = ['deletion', 'monitoring'] as string[];
    expect(selected('--site', 'cologne', '--operations', 'deletion,monitoring')).toEqual(
      named((q) => q.site === 'cologne' && deletionOrMonitoring.includes(q.operation)),
    );
    expect(selected('--site', 'cologne', '--operations', 'deletion,monitoring')).toEqual(
      expect.arrayContaining([
        'cologne_buffer_deletion',
        'cologne_buffer_monitoring',
        'cologne_lta_monitoring',
      ]),
    );
    expect(selected('--operations', 'deletion')).toEqual(named((q) => q.operation === 'deletion'));
    expect(selected('--operations', 'deletion')).not.toContain('cologne_buffer_backup_deletion');
  });

  it('--queues takes exactly the queues named', () => {
    expect(selected('--queues', 'cologne_lta_fixity,ccat_buffer_data_transfer')).toEqual([
      'ccat_buffer_data_transfer',
      'cologne_lta_fixity',
    ]);
  });

  it('stands for a location towards the other sites when it binds one of its queues', () => {
    const lta = queuesOfLocation('cologne', 'lta', LocationType.LONG_TERM_ARCHIVE);
    expect(selectsLocation(parseWorkerArgs(['--site', 'cologne', '--operations', 'fixity']), lta)).toBe(true);
    // A transfer into a buffer is a buffer's queue: an archive has none.
    const transfers = parseWorkerArgs(['--site', 'cologne', '--operations', 'data_transfer']);
    expect(selectsLocation(transfers, lta)).toBe(false);
  });
});

describe('checkSelection', () => {
  it('finds names no location has, names the other options leave out, and inactive ones to wait for', () => {
    const options = parseWorkerArgs([
      '--site',
      'cologne',
      '--queues',
      'cologne_buffer_deletion,cologne_bufer_deletion,ccat_buffer_deletion,cologne_buffer_backup_deletion',
    ]);
    expect(checkSelection(options, every, active)).toEqual({
      unknown: ['cologne_bufer_deletion'],
      excluded: ['ccat_buffer_deletion'],
      inactiveQueues: ['cologne_buffer_backup_deletion'],
      inactiveLocations: [],
    });
    expect(checkSelection(parseWorkerArgs(['--locations', 'cologne_buffer_backup']), every, active)).toEqual({
      unknown: [],
      excluded: [],
      inactiveQueues: [],
      inactiveLocations: ['cologne_buffer_backup'],
    });
  });
});
