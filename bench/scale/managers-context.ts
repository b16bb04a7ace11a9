import { INestApplicationContext, Module } from '@nestjs/common';
import { DiscoveryModule, NestFactory } from '@nestjs/core';
import { getDataSourceToken } from '@nestjs/typeorm';
import Redis from 'ioredis';
import { DataSource, Logger as TypeOrmLogger } from 'typeorm';
import { LoggingModule } from '../../src/engine/logging/logging.module';
import { RedisModule } from '../../src/engine/redis/redis.module';
import { AppConfigModule } from '../../src/config/config.module';
import { DatabaseModule } from '../../src/database/database.module';
import { AlertsModule } from '../../src/operations/alerts/alerts.module';
import { ConsistencyModule } from '../../src/operations/consistency/consistency.module';
import { DeletionModule } from '../../src/pipeline/deletion/deletion.module';
import { EventsModule } from '../../src/operations/events/events.module';
import { ExplainModule } from '../../src/operations/explain/explain.module';
import { HeartbeatsModule } from '../../src/engine/heartbeats/heartbeats.module';
import { HistoryModule } from '../../src/operations/history/history.module';
import { LongTermArchiveModule } from '../../src/pipeline/archive/long-term-archive.module';
import { ManagerCycleRunner } from '../../src/engine/managers/manager-cycle.runner';
import { ManagerRegistry } from '../../src/engine/managers/manager.registry';
import { PipelineGaugesService } from '../../src/engine/metrics/pipeline-gauges.service';
import { MonitoringModule } from '../../src/operations/monitoring/monitoring.module';
import { PackagesModule } from '../../src/pipeline/packaging/packages.module';
import { BundlingModule } from '../../src/pipeline/bundling/bundling.module';
import { QueuesModule } from '../../src/engine/queues/queues.module';
import { RawDataFilesModule } from '../../src/pipeline/ingest/raw-data-files.module';
import { RecoveryModule } from '../../src/operations/recovery/recovery.module';
import { StagingModule } from '../../src/pipeline/staging/staging.module';
import { StatusModule } from '../../src/operations/status/status.module';
import { StorageModule } from '../../src/engine/storage/storage.module';
import { TransfersModule } from '../../src/pipeline/transfer/transfers.module';

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
    BundlingModule,
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
    // The status reads, as the api and the metrics scrape make them.
    StatusModule,
  ],
  providers: [ManagerRegistry, ManagerCycleRunner, PipelineGaugesService],
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
