import { Module } from '@nestjs/common';
import { LoggingModule } from '../../src/common/logging/logging.module';
import { RedisModule } from '../../src/common/redis/redis.module';
import { AppConfigModule } from '../../src/config/config.module';
import { DatabaseModule } from '../../src/database/database.module';

/**
 * The worker process: queue processors for the locations it serves, and the managers when run in that
 * role. This is the skeleton (configuration, database, Redis); processors and managers plug in here.
 */
@Module({ imports: [AppConfigModule, LoggingModule, DatabaseModule.forRoot(), RedisModule] })
export class WorkerModule {}
