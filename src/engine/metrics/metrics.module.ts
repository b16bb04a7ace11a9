import { DynamicModule, Module, OnModuleInit } from '@nestjs/common';
import { QueuesModule } from '../queues/queues.module';
import { MetricsController } from './metrics.controller';
import { startDefaultMetrics } from './metrics-registry';
import { MetricsTokenGuard } from './metrics-token.guard';
import { PipelineGaugesService } from './pipeline-gauges.service';

/**
 * Prometheus metrics of this process at GET /metrics: Node's process metrics, and what this process did
 * (task-metrics.ts: bytes moved, task durations, failures and retries, manager cycles). The api also
 * serves the pipeline-wide gauges (forApi), read on each scrape; see docs/metrics.md.
 */
@Module({})
export class MetricsModule implements OnModuleInit {
  /** For the worker processes (every site, and the managers). */
  static forWorker(): DynamicModule {
    return { module: MetricsModule, controllers: [MetricsController], providers: [MetricsTokenGuard] };
  }

  /** For the api: also queue depths, disk usage per location and the oldest unsafe file. */
  static forApi(): DynamicModule {
    return {
      module: MetricsModule,
      imports: [QueuesModule],
      controllers: [MetricsController],
      providers: [MetricsTokenGuard, PipelineGaugesService],
    };
  }

  onModuleInit(): void {
    startDefaultMetrics();
  }
}
