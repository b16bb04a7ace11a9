import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { DatabaseHealthIndicator } from './database.health';
import { DiskHealthIndicator } from './disk.health';
import { HealthController } from './health.controller';
import { RedisHealthIndicator } from './redis.health';

@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [DatabaseHealthIndicator, RedisHealthIndicator, DiskHealthIndicator],
  exports: [DatabaseHealthIndicator, RedisHealthIndicator, DiskHealthIndicator],
})
export class HealthModule {}
