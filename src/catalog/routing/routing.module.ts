import { Module } from '@nestjs/common';
import { LtaRoutingService } from './lta-routing.service';
import { RouteService } from './route.service';

/** Which site sends to which: the configured routes and the choice of long-term-archive destinations. */
@Module({ providers: [RouteService, LtaRoutingService], exports: [RouteService, LtaRoutingService] })
export class RoutingModule {}
