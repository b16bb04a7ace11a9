import { Module } from '@nestjs/common';
import { LtaRoutingService } from './lta-routing.service';
import { RouteAddCommand, RouteCommand, RouteListCommand, RouteRemoveCommand } from './route.command';
import { RouteService } from './route.service';
import { RoutesResolver } from './routes.resolver';

/**
 * Which site sends to which: the configured routes and the choice of long-term-archive destinations,
 * edited with `ccat-dt route` and shown in the console.
 */
@Module({
  providers: [
    RouteService,
    LtaRoutingService,
    RoutesResolver,
    RouteCommand,
    RouteAddCommand,
    RouteListCommand,
    RouteRemoveCommand,
  ],
  exports: [RouteService, LtaRoutingService],
})
export class RoutingModule {}
