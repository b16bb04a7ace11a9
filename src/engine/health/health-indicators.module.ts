import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { DatabaseHealthIndicator } from './database.health';
import { DiskHealthIndicator } from './disk.health';
import { RedisHealthIndicator } from './redis.health';

/** The probes every app's /health is made of; each app's controller picks its own. */
@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  providers: [DatabaseHealthIndicator, RedisHealthIndicator, DiskHealthIndicator],
  exports: [TerminusModule, DatabaseHealthIndicator, RedisHealthIndicator, DiskHealthIndicator],
})
export class HealthIndicatorsModule {}
