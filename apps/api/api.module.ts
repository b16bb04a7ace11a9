import { HeartbeatsModule } from '../../src/engine/heartbeats/heartbeats.module';
import { ApiHeartbeat } from './api-heartbeat.service';
import { Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { DomainExceptionFilter } from '../../src/engine/http/domain-exception.filter';
import { StrictValidationPipe } from '../../src/engine/http/validation';
import { LoggingModule } from '../../src/engine/logging/logging.module';
import { RedisModule } from '../../src/engine/redis/redis.module';
import { AppConfigModule } from '../../src/config/config.module';
import { DatabaseModule } from '../../src/database/database.module';
import { AuthModule } from '../../src/engine/auth/auth.module';
import { BearerTokenGuard } from '../../src/engine/auth/bearer-token.guard';
import { HealthModule } from '../../src/engine/health/health.module';
import { ObsUnitsModule } from '../../src/pipeline/ingest/obs-units.module';
import { RawDataFilesModule } from '../../src/pipeline/ingest/raw-data-files.module';
import { StagingApiModule } from '../../src/pipeline/staging/staging.module';
import { ExplainApiModule } from '../../src/operations/explain/explain.module';
import { RecoveryApiModule } from '../../src/operations/recovery/recovery.module';
import { AdminConsoleModule } from '../../src/operations/admin-console/admin-console.module';
import { QueueDashboardModule } from '../../src/engine/queue-dashboard/queue-dashboard.module';
import { MetricsModule } from '../../src/engine/metrics/metrics.module';

/** The HTTP face of the system: instrument ingest (REST), health, and the admin console (GraphQL, /admin). */
@Module({
  imports: [
    AppConfigModule,
    LoggingModule,
    DatabaseModule.forRoot(),
    RedisModule,
    AuthModule,
    HealthModule,
    ObsUnitsModule,
    RawDataFilesModule,
    RecoveryApiModule,
    ExplainApiModule,
    StagingApiModule,
    AdminConsoleModule,
    QueueDashboardModule,
    MetricsModule.forApi(),
    HeartbeatsModule,
  ],
  providers: [
    ApiHeartbeat,
    { provide: APP_GUARD, useClass: BearerTokenGuard },
    { provide: APP_PIPE, useClass: StrictValidationPipe },
    { provide: APP_FILTER, useClass: DomainExceptionFilter },
  ],
})
export class ApiModule {}
