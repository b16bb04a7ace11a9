import { printTable } from '../report/report-table';
import { Command, CommandRunner } from 'nest-commander';
import { notServed, QueueCoverageService } from './queue-coverage';
import { TaskQueueService } from './task-queue.service';

@Command({
  name: 'list-queues',
  description: 'The queues of every active location, with their job counts and the live workers serving them',
})
export class ListQueuesCommand extends CommandRunner {
  constructor(
    private readonly coverage: QueueCoverageService,
    private readonly queues: TaskQueueService,
  ) {
    super();
  }

  async run(): Promise<void> {
    const found = await this.coverage.coverage();
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
        'served by': notServed(q) ? 'NO LIVE WORKER' : q.servedBy.join(', '),
      });
    }
    if (rows.length === 0) {
      console.log('No queues: there are no active locations (apply a topology first).');
      return;
    }
    printTable(rows);
    if (rows.some((r) => r.waiting === '?')) console.log('(? = Redis unreachable; counts unknown)');
    const unserved = found.filter(notServed).length;
    if (unserved)
      console.log(
        `${unserved} queue(s) served by no live worker: their work waits (\`ccat-dt status\`, docs/operations.md)`,
      );
  }
}
