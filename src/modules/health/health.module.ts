import { Module } from '@nestjs/common';
import { HealthController } from './health.controller';
import { HealthIndicatorsModule } from './health-indicators.module';

/** The API's /health. */
@Module({ imports: [HealthIndicatorsModule], controllers: [HealthController] })
export class HealthModule {}
