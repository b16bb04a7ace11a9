import { INestApplicationContext, Module } from '@nestjs/common';
import { DiscoveryModule, NestFactory } from '@nestjs/core';
import { getDataSourceToken } from '@nestjs/typeorm';
import Redis from 'ioredis';
import { DataSource, Logger as TypeOrmLogger } from 'typeorm';
import { LoggingModule } from '../../src/common/logging/logging.module';
import { RedisModule } from '../../src/common/redis/redis.module';
import { AppConfigModule } from '../../src/config/config.module';
import { DatabaseModule } from '../../src/database/database.module';
import { AlertsModule } from '../../src/modules/alerts/alerts.module';
import { ConsistencyModule } from '../../src/modules/consistency/consistency.module';
import { DeletionModule } from '../../src/modules/deletion/deletion.module';
import { EventsModule } from '../../src/modules/events/events.module';
import { ExplainModule } from '../../src/modules/explain/explain.module';
import { HeartbeatsModule } from '../../src/modules/heartbeats/heartbeats.module';
import { HistoryModule } from '../../src/modules/history/history.module';
import { LongTermArchiveModule } from '../../src/modules/long-term-archive/long-term-archive.module';
import { ManagerCycleRunner } from '../../src/modules/managers/manager-cycle.runner';
import { ManagerRegistry } from '../../src/modules/managers/manager.registry';
import { PipelineGaugesService } from '../../src/modules/metrics/pipeline-gauges.service';
import { MonitoringModule } from '../../src/modules/monitoring/monitoring.module';
import { PackagesModule } from '../../src/modules/packages/packages.module';
import { QueuesModule } from '../../src/modules/queues/queues.module';
import { RawDataFilesModule } from '../../src/modules/raw-data-files/raw-data-files.module';
import { RecoveryModule } from '../../src/modules/recovery/recovery.module';
import { StagingModule } from '../../src/modules/staging/staging.module';
import { PipelineOverviewService } from '../../src/modules/status/pipeline-overview.service';
import { StatusService } from '../../src/modules/status/status.service';
import { StorageModule } from '../../src/modules/storage/storage.module';
import { TransfersModule } from '../../src/modules/transfers/transfers.module';

/**
 * Every manager of the worker's managers role, and the status services, in one process, without the
 * scheduler or the processor of the managers queue: the benchmark runs each cycle itself, through the
 * same runner (advisory lock, cycle record) the managers queue uses.
 */
@Module({
  imports: [
    AppConfigModule,
    LoggingModule,
    DatabaseModule.forRoot({ retryAttempts: 0 }),
    RedisModule,
    DiscoveryModule,
    HeartbeatsModule,
    QueuesModule,
    PackagesModule,
    TransfersModule,
    LongTermArchiveModule,
    DeletionModule,
    RecoveryModule,
    ConsistencyModule,
    AlertsModule,
    StagingModule,
    EventsModule,
    MonitoringModule,
    HistoryModule,
    StorageModule,
    // What the api serves, for the registration and explain figures.
    RawDataFilesModule,
    ExplainModule,
  ],
  providers: [
    ManagerRegistry,
    ManagerCycleRunner,
    StatusService,
    PipelineOverviewService,
    PipelineGaugesService,
  ],
})
class BenchManagersModule {}

/** Each SQL statement the app sends, with its parameters, while `capturing` is on. */
export class QueryCapture implements TypeOrmLogger {
  capturing = false;
  readonly queries: { sql: string; parameters: unknown[] }[] = [];

  logQuery(sql: string, parameters?: unknown[]): void {
    if (this.capturing) this.queries.push({ sql, parameters: parameters ?? [] });
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}

  take(): { sql: string; parameters: unknown[] }[] {
    return this.queries.splice(0);
  }
}

export interface ManagersContext {
  app: INestApplicationContext;
  dataSource: DataSource;
  runner: ManagerCycleRunner;
  registry: ManagerRegistry;
  kinds: string[];
  capture: QueryCapture;
  close(): Promise<void>;
}

/**
 * The managers against DATABASE_URL, with queues and keys in the namespace QUEUE_PREFIX and
 * REDIS_KEY_PREFIX name (the configuration is read when this file is loaded: set them before), whose keys
 * are removed on close. TypeORM sends every statement through its logger, so a logger of ours sees exactly
 * the SQL the managers run.
 */
export async function startManagersContext(): Promise<ManagersContext> {
  const app = await NestFactory.createApplicationContext(BenchManagersModule, { logger: ['error'] });
  const dataSource = app.get<DataSource>(getDataSourceToken());
  const capture = new QueryCapture();
  (dataSource as unknown as { logger: TypeOrmLogger }).logger = capture;
  const registry = app.get(ManagerRegistry);
  const kinds = registry.all().map((m) => m.options.kind);
  return {
    app,
    dataSource,
    runner: app.get(ManagerCycleRunner),
    registry,
    kinds,
    capture,
    close: async () => {
      await app.close();
      const { REDIS_URL, QUEUE_PREFIX, REDIS_KEY_PREFIX } = process.env;
      await deleteKeys(REDIS_URL ?? 'redis://127.0.0.1:6379', [`${QUEUE_PREFIX}:`, REDIS_KEY_PREFIX ?? '']);
    },
  };
}

async function deleteKeys(redisUrl: string, prefixes: string[]): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  try {
    for (const prefix of prefixes.filter(Boolean)) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        if (keys.length) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
    }
  } finally {
    redis.disconnect();
  }
}
