import { HeartbeatsModule } from '../../src/modules/heartbeats/heartbeats.module';
import { ApiHeartbeat } from './api-heartbeat.service';
import { Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { DomainExceptionFilter } from '../../src/common/http/domain-exception.filter';
import { StrictValidationPipe } from '../../src/common/http/validation';
import { LoggingModule } from '../../src/common/logging/logging.module';
import { RedisModule } from '../../src/common/redis/redis.module';
import { AppConfigModule } from '../../src/config/config.module';
import { DatabaseModule } from '../../src/database/database.module';
import { AuthModule } from '../../src/modules/auth/auth.module';
import { BearerTokenGuard } from '../../src/modules/auth/bearer-token.guard';
import { HealthModule } from '../../src/modules/health/health.module';
import { ObsUnitsModule } from '../../src/modules/obs-units/obs-units.module';
import { RawDataFilesModule } from '../../src/modules/raw-data-files/raw-data-files.module';
import { StagingApiModule } from '../../src/modules/staging/staging.module';
import { ExplainModule } from '../../src/modules/explain/explain.module';
import { RecoveryApiModule } from '../../src/modules/recovery/recovery.module';
import { AdminConsoleModule } from '../../src/modules/admin-console/admin-console.module';
import { QueueDashboardModule } from '../../src/modules/queue-dashboard/queue-dashboard.module';
import { MetricsModule } from '../../src/modules/metrics/metrics.module';

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
    ExplainModule,
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
