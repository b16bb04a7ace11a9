import { DynamicModule, Module } from '@nestjs/common';
import { AppConfigModule } from '../config/config.module';
import { DatabaseModule } from '../database/database.module';
import { RedisModule } from '../engine/redis/redis.module';
import { AuthModule } from '../engine/auth/auth.module';
import { ServicesCommand } from '../engine/heartbeats/services.command';
import { ListQueuesCommand } from '../engine/queues/list-queues.command';
import { QueuesModule } from '../engine/queues/queues.module';
import { TopologyModule } from '../catalog/topology/topology.module';
import { CatalogueModule } from '../operations/catalogue-rebuild/catalogue.module';
import { DoctorCommand } from '../operations/doctor/doctor.command';
import { DoctorService } from '../operations/doctor/doctor.service';
import { MigrateCommand } from './migrate.command';
import { RoutingModule } from '../catalog/routing/routing.module';
import { StorageModule } from '../engine/storage/storage.module';
import { ExplainModule } from '../operations/explain/explain.module';
import { WorkResetModule } from '../operations/recovery/work-reset.module';
import { StatusModule } from '../operations/status/status.module';
import { DeletionSwitchModule } from '../pipeline/deletion/deletion-switch.module';
import { FileAmendmentModule } from '../pipeline/ingest/file-amendment.module';
import {
  DeletionCommand,
  DeletionPauseCommand,
  DeletionPlanCommand,
  DeletionResumeCommand,
  DeletionStatusCommand,
} from '../pipeline/deletion/deletion.command';
import { ExplainCommand } from '../operations/explain/explain.command';
import { StatusCommand } from '../operations/status/status.command';
import {
  RouteAddCommand,
  RouteCommand,
  RouteListCommand,
  RouteRemoveCommand,
} from '../catalog/routing/route.command';
import { ResetCommand } from '../operations/recovery/reset.command';
import { CheckCommand } from '../operations/consistency/check.command';
import { ConsistencyCheckService } from '../operations/consistency/consistency-check.service';
import { CopyRepairService } from '../operations/consistency/copy-repair.service';
import { PhysicalCopiesModule } from '../catalog/physical-copies/physical-copies.module';
import { FileAcceptCommand, FileCommand, FileWithdrawCommand } from '../pipeline/ingest/file.command';

/**
 * Whether the command line asks only for usage (`--help`, `-h`, `help`, nothing at all): then nothing
 * connects, so that the first command a new operator types works with no database and no Redis.
 */
export function asksForHelpOnly(args: string[]): boolean {
  return args.length === 0 || args.some((a) => a === '--help' || a === '-h') || args[0] === 'help';
}

/** `doctor` connects by itself, so that it can report a database it cannot reach as a row, not a crash. */
const connectsLater = (args: string[]) => asksForHelpOnly(args) || args[0] === 'doctor';

/** `ccat-dt`: every operator command; each domain module contributes its own commands. */
@Module({
  imports: [
    AppConfigModule,
    RedisModule,
    AuthModule,
    TopologyModule,
    QueuesModule,
    CatalogueModule,
    PhysicalCopiesModule,
    StorageModule,
    DeletionSwitchModule,
    WorkResetModule,
    ExplainModule,
    StatusModule,
    RoutingModule,
    FileAmendmentModule,
  ],
  providers: [
    MigrateCommand,
    ListQueuesCommand,
    ServicesCommand,
    DeletionCommand,
    DeletionPauseCommand,
    DeletionResumeCommand,
    DeletionStatusCommand,
    DeletionPlanCommand,
    ResetCommand,
    ExplainCommand,
    StatusCommand,
    RouteCommand,
    RouteAddCommand,
    RouteListCommand,
    RouteRemoveCommand,
    ConsistencyCheckService,
    CopyRepairService,
    CheckCommand,
    FileCommand,
    FileAcceptCommand,
    FileWithdrawCommand,
    DoctorService,
    DoctorCommand,
  ],
})
export class CliModule {
  /** The commands, with a database connection made at start unless only usage is asked for. */
  static forArgs(args: string[]): DynamicModule {
    return {
      module: CliModule,
      imports: [DatabaseModule.forRoot({ retryAttempts: 0, connectLater: connectsLater(args) })],
    };
  }
}
