import { UnrecoverableError } from 'bullmq';
import { LocationType } from '../../catalog/locations/location-type';
import { OperationType } from '../queues/operation-type';
import { QueueDescriptor } from '../queues/queue-descriptor';
import { metricsRegistry } from './metrics-registry';
import { observeTask, recordMoved } from './task-metrics';

const queue: QueueDescriptor = {
  name: 'cologne_buffer_data_transfer',
  site: 'cologne',
  location: 'buffer',
  locationKey: 'cologne_buffer',
  locationId: 3,
  locationType: LocationType.BUFFER,
  operation: OperationType.DATA_TRANSFER,
};
const labels = { operation: 'data_transfer', site: 'cologne', location: 'buffer' };

/** The value of one series (a histogram's observation count), from the registry /metrics prints. */
async function sample(name: string, match: Record<string, string>): Promise<number | undefined> {
  const metric = (await metricsRegistry.getMetricsAsJSON()).find((m) => m.name === name);
  return metric?.values.find(
    (v) =>
      [undefined, `${name}_count`].includes((v as { metricName?: string }).metricName) &&
      Object.entries(match).every(([k, x]) => v.labels[k] === x),
  )?.value;
}

describe('task metrics, observed around every job by the queue binding', () => {
  beforeEach(() => metricsRegistry.resetMetrics());

  it('counts the bytes and files a processor reports, labelled with the queue it ran from', async () => {
    await observeTask(queue, { attemptsMade: 0, opts: { attempts: 3 } }, async () => {
      recordMoved({ bytes: 1000, files: 1 });
      recordMoved({ bytes: 24, files: 2 });
    });
    expect(await sample('ccat_bytes_moved_total', labels)).toBe(1024);
    expect(await sample('ccat_files_moved_total', labels)).toBe(3);
    expect(await sample('ccat_task_duration_seconds', { ...labels, outcome: 'completed' })).toBe(1);
  });

  it('counts nothing moved outside a queue task, where there is no queue to name', async () => {
    recordMoved({ bytes: 5, files: 1 });
    expect(await sample('ccat_bytes_moved_total', {})).toBeUndefined();
  });

  it('tells a skipped task from a completed one', async () => {
    await observeTask(queue, { attemptsMade: 0, opts: {} }, async () => ({ skipped: 'already done' }));
    expect(await sample('ccat_task_duration_seconds', { ...labels, outcome: 'skipped' })).toBe(1);
  });

  it('counts a failed attempt with retries left as a retry, the last one and a permanent one as failures', async () => {
    const fail = (err: Error, attemptsMade: number) =>
      observeTask(queue, { attemptsMade, opts: { attempts: 3 } }, () => Promise.reject(err));
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    await expect(fail(refused, 0)).rejects.toBe(refused);
    await expect(fail(refused, 1)).rejects.toBe(refused);
    await expect(fail(refused, 2)).rejects.toBe(refused);
    await expect(fail(new UnrecoverableError('bytes differ'), 0)).rejects.toThrow('bytes differ');

    expect(await sample('ccat_task_retries_total', { ...labels, reason: 'ECONNREFUSED' })).toBe(2);
    expect(await sample('ccat_task_failures_total', { ...labels, reason: 'ECONNREFUSED' })).toBe(1);
    expect(await sample('ccat_task_failures_total', { ...labels, reason: 'UnrecoverableError' })).toBe(1);
    expect(await sample('ccat_task_duration_seconds', { ...labels, outcome: 'failed' })).toBe(4);
  });
});
