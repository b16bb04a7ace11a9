import { Controller, Get, Header, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { DomainExceptionFilter } from '../http/domain-exception.filter';
import { Public } from '../auth/scopes.decorator';
import { metricsRegistry } from './metrics-registry';
import { MetricsTokenGuard } from './metrics-token.guard';

/**
 * GET /metrics in Prometheus' text format, on the api and on every worker. Public to the API's token
 * guard (Prometheus holds no API token); METRICS_TOKEN, when set, closes it (MetricsTokenGuard).
 */
@ApiExcludeController()
@Controller('metrics')
@Public()
@UseGuards(MetricsTokenGuard)
// Workers have no global filter: without it a refused scrape would be a 403 with Nest's default body.
@UseFilters(DomainExceptionFilter)
export class MetricsController {
  @Get()
  @Header('Content-Type', metricsRegistry.contentType)
  @Header('Cache-Control', 'no-store')
  scrape(): Promise<string> {
    return metricsRegistry.metrics();
  }
}
