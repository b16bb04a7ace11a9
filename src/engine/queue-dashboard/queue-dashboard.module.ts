import { INestApplication, Module } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { AdminSessionService } from '../auth/admin-session.service';
import { ApiTokenService } from '../auth/api-token.service';
import { AuthModule } from '../auth/auth.module';
import { QueuesModule } from '../queues/queues.module';
import { requireAdminToken } from './admin-token.middleware';
import { QUEUE_DASHBOARD_PATH, QueueDashboardService } from './queue-dashboard.service';

/** Bull Board for operators, at /admin/queues, admin token required. */
@Module({
  imports: [AuthModule, QueuesModule],
  providers: [QueueDashboardService],
  exports: [QueueDashboardService],
})
export class QueueDashboardModule {}

/**
 * Mounts the board on the app's express instance, ahead of Nest's routes (the /admin page's routes must
 * not swallow it): admin check first, then the queue list brought up to date, then the board itself.
 */
export function mountQueueDashboard(app: INestApplication): void {
  const dashboard = app.get(QueueDashboardService);
  const refresh = (req: Request, res: Response, next: NextFunction) => {
    if (req.path.startsWith('/static/')) return next();
    dashboard.refresh().then(
      () => next(),
      (err: Error) =>
        res.status(503).json({
          statusCode: 503,
          error: 'SERVICE_UNAVAILABLE',
          message: `cannot read the queues from the database: ${err.message}`,
        }),
    );
  };
  app.use(
    QUEUE_DASHBOARD_PATH,
    requireAdminToken(app.get(ApiTokenService), app.get(AdminSessionService)),
    refresh,
    dashboard.router,
  );
}
