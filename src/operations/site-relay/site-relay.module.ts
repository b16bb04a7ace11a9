import { Module, OnModuleInit } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { DomainExceptionFilter } from '../../engine/http/domain-exception.filter';
import { StrictValidationPipe } from '../../engine/http/validation';
import { LoggingModule } from '../../engine/logging/logging.module';
import { AppConfigModule } from '../../config/config.module';
import { MetricsModule } from '../../engine/metrics/metrics.module';
import { RelayForwarder } from './relay-forwarder.service';
import { SiteRelayStatusController } from './site-relay-status.controller';
import { SiteRelayTokenGuard } from './site-relay-token.guard';
import { SiteRelayController } from './site-relay.controller';
import { reportRelayStatus } from './site-relay.metrics';
import { SiteRelayService } from './site-relay.service';

/**
 * The api app in the site-relay role (`--role site-relay`): instrument ingest at the observatory, journaled
 * on local disk and forwarded in order to the central API. No database and no Redis, so it starts and
 * serves while the link is down; see docs/operations.md.
 */
@Module({
  imports: [AppConfigModule, LoggingModule, MetricsModule.forWorker()],
  controllers: [SiteRelayController, SiteRelayStatusController],
  providers: [
    SiteRelayService,
    RelayForwarder,
    SiteRelayTokenGuard,
    { provide: APP_GUARD, useExisting: SiteRelayTokenGuard },
    { provide: APP_PIPE, useClass: StrictValidationPipe },
    { provide: APP_FILTER, useClass: DomainExceptionFilter },
  ],
})
export class SiteRelayModule implements OnModuleInit {
  constructor(private readonly relay: SiteRelayService) {}

  onModuleInit(): void {
    reportRelayStatus(() => this.relay.status());
  }
}
