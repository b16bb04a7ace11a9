import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HealthIndicatorService } from '@nestjs/terminus';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Environment } from '../../config/environment';
import { withTimeout } from './with-timeout';

@Injectable()
export class DatabaseHealthIndicator {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly indicators: HealthIndicatorService,
    private readonly config: ConfigService<Environment, true>,
  ) {}

  async check(key = 'database') {
    const session = this.indicators.check(key);
    const started = Date.now();
    try {
      await withTimeout(
        this.dataSource.query('SELECT 1'),
        this.config.get('HEALTH_TIMEOUT_MS', { infer: true }),
      );
      return session.up({ latencyMs: Date.now() - started });
    } catch (err) {
      return session.down({ message: (err as Error).message });
    }
  }
}
