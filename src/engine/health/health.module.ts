import { Module } from '@nestjs/common';
import { HealthController } from './health.controller';
import { HealthIndicatorsModule } from './health-indicators.module';
import { AuthModule } from '../auth/auth.module';

/** The API's /health, /health/ready and /health/live. */
@Module({ imports: [HealthIndicatorsModule, AuthModule], controllers: [HealthController] })
export class HealthModule {}
