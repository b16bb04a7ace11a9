import { DynamicModule, Module, Provider } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { LoggingModule } from '../../src/common/logging/logging.module';
import { BullRootModule } from '../../src/common/queues/bull-root.module';
import { RedisModule } from '../../src/common/redis/redis.module';
import { AppConfigModule } from '../../src/config/config.module';
import { DatabaseModule } from '../../src/database/database.module';
import { HealthIndicatorsModule } from '../../src/modules/health/health-indicators.module';
import { HeartbeatsModule } from '../../src/modules/heartbeats/heartbeats.module';
import { ManagersRoleModule } from '../../src/modules/managers/managers.module';
import { PackagesModule } from '../../src/modules/packages/packages.module';
import { OperationHandlerRegistry } from '../../src/modules/queues/operation-handler.registry';
import { QueuesModule } from '../../src/modules/queues/queues.module';
import { TransfersModule } from '../../src/modules/transfers/transfers.module';
import { LongTermArchiveModule } from '../../src/modules/long-term-archive/long-term-archive.module';
import { DeletionModule } from '../../src/modules/deletion/deletion.module';
import { RecoveryModule } from '../../src/modules/recovery/recovery.module';
import { AlertsModule } from '../../src/modules/alerts/alerts.module';
import { StagingModule } from '../../src/modules/staging/staging.module';
import { EventsModule } from '../../src/modules/events/events.module';
import { MonitoringModule } from '../../src/modules/monitoring/monitoring.module';
import { HistoryModule } from '../../src/modules/history/history.module';
import { AuthModule } from '../../src/modules/auth/auth.module';
import { StorageModule } from '../../src/modules/storage/storage.module';
import { MetricsModule } from '../../src/modules/metrics/metrics.module';
import { ConsistencyModule } from '../../src/modules/consistency/consistency.module';
import { BufferDataController } from '../../src/modules/transfers/http/buffer-data.controller';
import { DatabaseConnector } from '../../src/modules/workers/database-connector.service';
import { QueueBindingService } from '../../src/modules/workers/queue-binding.service';
import { WorkerHealthController } from '../../src/modules/workers/worker-health.controller';
import { WORKER_OPTIONS, WorkerOptions } from '../../src/modules/workers/worker-options';

/**
 * The worker process: queue processors for the locations it serves (`--site`, `--locations`), and the
 * managers when run in that role (`--role managers`). The database is connected in the background, so
 * the process starts, beats and answers /health while PostgreSQL is unreachable.
 */
@Module({})
export class WorkerModule {
  static forOptions(options: WorkerOptions): DynamicModule {
    const serveLocations = Boolean(options.site || options.locations);
    const providers: Provider[] = [{ provide: WORKER_OPTIONS, useValue: options }, DatabaseConnector];
    if (serveLocations) providers.push(OperationHandlerRegistry, QueueBindingService);
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
