import { LocationType } from '../../catalog/locations/location-type';
import { OperationType } from './operation-type';
import { QueueDescriptor } from './queue-descriptor';
import { coverQueues, servingGaps } from './queue-coverage';

const queue = (site: string, location: string, operation: OperationType): QueueDescriptor => ({
  name: `${site}_${location}_${operation}`,
  site,
  location,
  locationKey: `${site}_${location}`,
  locationId: 1,
  locationType: LocationType.BUFFER,
  operation,
});
const QUEUES = [
  queue('ccat', 'buffer', OperationType.DELETION),
  queue('ccat', 'buffer', OperationType.MONITORING),
  queue('us', 'buffer', OperationType.DELETION),
  queue('us_east', 'buffer', OperationType.DELETION),
];

describe('which queues live workers serve', () => {
  it('names the workers of each queue from their heartbeats, managers and the api not counted', () => {
    const covered = coverQueues(QUEUES, [
      { type: 'worker', name: 'w2', serves: ['ccat_buffer_deletion'] },
      { type: 'worker', name: 'w1', serves: ['ccat_buffer_deletion', 'us_east_buffer_deletion'] },
      { type: 'manager', name: 'm', serves: ['ccat_buffer_monitoring'] },
    ]);
    expect(covered.map((q) => [q.name, q.servedBy])).toEqual([
      ['ccat_buffer_deletion', ['w1', 'w2']],
      ['ccat_buffer_monitoring', []],
      ['us_buffer_deletion', []],
      ['us_east_buffer_deletion', ['w1']],
    ]);
  });

  it('gives the unserved queues, and the sites none of whose queues is served (by name, not by prefix)', () => {
    const gaps = servingGaps(
      coverQueues(QUEUES, [
        { type: 'worker', name: 'w', serves: ['ccat_buffer_deletion', 'us_east_buffer_deletion'] },
      ]),
    );
    expect(gaps.unservedQueues.map((q) => q.name)).toEqual(['ccat_buffer_monitoring', 'us_buffer_deletion']);
    expect(gaps.sitesWithoutWorker).toEqual(['us']);
  });
});
