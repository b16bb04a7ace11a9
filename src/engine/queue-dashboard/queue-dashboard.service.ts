import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { Injectable } from '@nestjs/common';
import type { RequestHandler } from 'express';
import { MANAGERS_QUEUE } from '../managers/managers.constants';
import { QueueDiscoveryService } from '../queues/queue-discovery.service';
import { TaskQueueService } from '../queues/task-queue.service';

// @bull-board/express 9.10.1 pins @bull-board/api 9.10.1 beside our 9.10.2: the same interface declared
// twice, which TypeScript refuses to unify (private members). At run time they agree.
type ServerAdapter = Parameters<typeof createBullBoard>[0]['serverAdapter'];

/** Where the api app serves the board; the /admin page's sign-in cookie (path=/admin) covers it. */
export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/**
 * Bull Board over the queues the database says exist (every active location's operations) plus the
 * managers' queue. The list is re-read before each request the board answers, so a location added or
 * deactivated later shows up or goes at the next poll, without a restart: one small query, shared by
 * requests that arrive while it runs. Queue objects are TaskQueueService's, opened once per name.
 */
@Injectable()
export class QueueDashboardService {
  private readonly serverAdapter = new ExpressAdapter().setBasePath(QUEUE_DASHBOARD_PATH);
  private readonly board = createBullBoard({
    queues: [],
    serverAdapter: this.serverAdapter as unknown as ServerAdapter,
    options: { uiConfig: { boardTitle: 'CCAT data transfer queues' } },
  });
  private readonly adapters = new Map<string, BullMQAdapter>();
  private refreshing: Promise<void> | null = null;

  constructor(
    private readonly discovery: QueueDiscoveryService,
    private readonly taskQueues: TaskQueueService,
  ) {}

  /** The board's express app (HTML, static assets, JSON API), to mount at QUEUE_DASHBOARD_PATH. */
  get router(): RequestHandler {
    return this.serverAdapter.getRouter() as RequestHandler;
  }

  /** Brings the board's queue list in line with the database; concurrent callers share one query. */
  refresh(): Promise<void> {
    this.refreshing ??= this.load().finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  private async load(): Promise<void> {
    const discovered = await this.discovery.discoverAll();
    const names = [...discovered.map((q) => q.name), MANAGERS_QUEUE];
    this.board.replaceQueues(names.map((name) => this.adapterFor(name)));
  }

  /**
   * Read-only: the database is the source of truth for work, and a job retried, removed or promoted
   * behind its back would disagree with its row. Failed work is reset with `ccat-dt reset` or the
   * REST/GraphQL reset, which also records who did it.
   */
  private adapterFor(name: string): BullMQAdapter {
    let adapter = this.adapters.get(name);
    if (!adapter) {
      adapter = new BullMQAdapter(this.taskQueues.queue(name), { readOnlyMode: true });
      this.adapters.set(name, adapter);
    }
    return adapter;
  }
}
