import { printTable } from '../report/report-table';
import { Command, CommandRunner } from 'nest-commander';
import { QueueDiscoveryService } from './queue-discovery.service';
import { TaskQueueService } from './task-queue.service';

@Command({ name: 'list-queues', description: 'The queues of every active location, with their job counts' })
export class ListQueuesCommand extends CommandRunner {
  constructor(
    private readonly discovery: QueueDiscoveryService,
    private readonly queues: TaskQueueService,
  ) {
    super();
  }

  async run(): Promise<void> {
    const found = await this.discovery.discoverAll();
    const rows = [];
    for (const q of found) {
      const counts = await this.queues.counts(q.name).catch(() => null);
      rows.push({
        queue: q.name,
        site: q.site,
        location: q.location,
        operation: q.operation,
        waiting: counts?.waiting ?? '?',
        active: counts?.active ?? '?',
        delayed: counts?.delayed ?? '?',
        failed: counts?.failed ?? '?',
      });
    }
    if (rows.length === 0) {
      console.log('No queues: there are no active locations (apply a topology first).');
      return;
    }
    printTable(rows);
    if (rows.some((r) => r.waiting === '?')) console.log('(? = Redis unreachable; counts unknown)');
  }
}
