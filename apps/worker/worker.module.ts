import { DynamicModule, Module, Provider } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { LoggingModule } from '../../src/engine/logging/logging.module';
import { BullRootModule } from '../../src/engine/queues/bull-root.module';
import { RedisModule } from '../../src/engine/redis/redis.module';
import { AppConfigModule } from '../../src/config/config.module';
import { DatabaseModule } from '../../src/database/database.module';
import { HealthIndicatorsModule } from '../../src/engine/health/health-indicators.module';
import { HeartbeatsModule } from '../../src/engine/heartbeats/heartbeats.module';
import { ManagersRoleModule } from '../../src/engine/managers/managers.module';
import { PackagesModule } from '../../src/pipeline/packaging/packages.module';
import { OperationHandlerRegistry } from '../../src/engine/queues/operation-handler.registry';
import { QueuesModule } from '../../src/engine/queues/queues.module';
import { BundlingModule } from '../../src/pipeline/bundling/bundling.module';
import { TransfersModule } from '../../src/pipeline/transfer/transfers.module';
import { LongTermArchiveModule } from '../../src/pipeline/archive/long-term-archive.module';
import { DeletionModule } from '../../src/pipeline/deletion/deletion.module';
import { RecoveryModule } from '../../src/operations/recovery/recovery.module';
import { AlertsModule } from '../../src/operations/alerts/alerts.module';
import { StagingModule } from '../../src/pipeline/staging/staging.module';
import { EventsModule } from '../../src/operations/events/events.module';
import { MonitoringModule } from '../../src/operations/monitoring/monitoring.module';
import { HistoryModule } from '../../src/operations/history/history.module';
import { AuthModule } from '../../src/engine/auth/auth.module';
import { StorageModule } from '../../src/engine/storage/storage.module';
import { MetricsModule } from '../../src/engine/metrics/metrics.module';
import { ConsistencyModule } from '../../src/operations/consistency/consistency.module';
import { BufferDataController } from '../../src/pipeline/transfer/http/buffer-data.controller';
import { DatabaseConnector } from '../../src/engine/workers/database-connector.service';
import { QueueBindingService } from '../../src/engine/workers/queue-binding.service';
import { WorkerHealthController } from '../../src/engine/workers/worker-health.controller';
import { servesQueues, WORKER_OPTIONS, WorkerOptions } from '../../src/engine/workers/worker-options';
import { QUEUE_SETUP_CHECK } from '../../src/engine/workers/queue-setup-check';
import { PullSetupCheck } from '../../src/pipeline/transfer/http/pull-setup';

/**
 * The worker process: queue processors for what it serves (`--site`, `--locations`, `--queues`,
 * `--operations`), and the managers when run in that role (`--role managers`). The database is connected
 * in the background, so the process starts, beats and answers /health while PostgreSQL is unreachable.
 */
@Module({})
export class WorkerModule {
  static forOptions(options: WorkerOptions): DynamicModule {
    const serveLocations = servesQueues(options);
    const providers: Provider[] = [{ provide: WORKER_OPTIONS, useValue: options }, DatabaseConnector];
    if (serveLocations)
      providers.push(OperationHandlerRegistry, QueueBindingService, {
        // Said at start and at each discovery: the other sites' data ports this worker would not pull from.
        provide: QUEUE_SETUP_CHECK,
        useExisting: PullSetupCheck,
      });
    return {
      module: WorkerModule,
      imports: [
        AppConfigModule,
        LoggingModule,
        DatabaseModule.forRoot({ retryAttempts: 0, connectLater: true }),
        RedisModule,
        DiscoveryModule,
        HealthIndicatorsModule,
        HeartbeatsModule,
        QueuesModule,
        PackagesModule,
        BundlingModule,
        TransfersModule,
        LongTermArchiveModule,
        DeletionModule,
        RecoveryModule,
        AlertsModule,
        StagingModule,
        EventsModule,
        MonitoringModule,
        HistoryModule,
        ConsistencyModule,
        AuthModule,
        StorageModule,
        MetricsModule.forWorker(),
        ...(options.managers ? [BullRootModule, ManagersRoleModule] : []),
      ],
      providers,
      // A worker serving locations also serves its buffers to the other sites (transfer method http).
      controllers: serveLocations ? [WorkerHealthController, BufferDataController] : [WorkerHealthController],
    };
  }
}
