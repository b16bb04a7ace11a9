import { Module } from '@nestjs/common';
import { AppConfigModule } from '../config/config.module';
import { DatabaseModule } from '../database/database.module';
import { RedisModule } from '../common/redis/redis.module';
import { AuthModule } from '../modules/auth/auth.module';
import { ServicesCommand } from '../modules/heartbeats/services.command';
import { ListQueuesCommand } from '../modules/queues/list-queues.command';
import { QueuesModule } from '../modules/queues/queues.module';
import { TopologyModule } from '../modules/topology/topology.module';
import { CatalogueModule } from '../modules/catalogue/catalogue.module';
import { MigrateCommand } from './migrate.command';
import {
  DeletionCommand,
  DeletionPauseCommand,
  DeletionPlanCommand,
  DeletionResumeCommand,
  DeletionStatusCommand,
} from '../modules/deletion/deletion.command';
import { DeletionSwitchService } from '../modules/deletion/deletion-switch.service';
import { ExplainCommand } from '../modules/explain/explain.command';
import { ExplainService } from '../modules/explain/explain.service';
import { StorageService } from '../modules/storage/storage.service';
import { StatusCommand } from '../modules/status/status.command';
import { StatusService } from '../modules/status/status.service';
import {
  RouteAddCommand,
  RouteCommand,
  RouteListCommand,
  RouteRemoveCommand,
} from '../modules/routing/route.command';
import { RouteService } from '../modules/routing/route.service';
import { ResetCommand } from '../modules/recovery/reset.command';
import { WorkResetService } from '../modules/recovery/work-reset.service';

/** `ccat-dt`: every operator command; each domain module contributes its own commands. */
@Module({
  imports: [
    AppConfigModule,
    DatabaseModule.forRoot({ retryAttempts: 0 }),
    RedisModule,
    AuthModule,
    TopologyModule,
    QueuesModule,
    CatalogueModule,
  ],
  providers: [
    MigrateCommand,
    ListQueuesCommand,
    ServicesCommand,
    DeletionSwitchService,
    DeletionCommand,
    DeletionPauseCommand,
    DeletionResumeCommand,
    DeletionStatusCommand,
    DeletionPlanCommand,
    WorkResetService,
    ResetCommand,
    StorageService,
    ExplainService,
    ExplainCommand,
    StatusService,
    StatusCommand,
    RouteService,
    RouteCommand,
    RouteAddCommand,
    RouteListCommand,
    RouteRemoveCommand,
  ],
})
export class CliModule {}
