import { DynamicModule, Module } from '@nestjs/common';
import { AppConfigModule } from '../config/config.module';
import { DatabaseModule } from '../database/database.module';
import { RedisModule } from '../common/redis/redis.module';
import { AuthModule } from '../modules/auth/auth.module';
import { ServicesCommand } from '../modules/heartbeats/services.command';
import { ListQueuesCommand } from '../modules/queues/list-queues.command';
import { QueuesModule } from '../modules/queues/queues.module';
import { TopologyModule } from '../modules/topology/topology.module';
import { CatalogueModule } from '../modules/catalogue/catalogue.module';
import { DoctorCommand } from '../modules/doctor/doctor.command';
import { DoctorService } from '../modules/doctor/doctor.service';
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
import { CheckCommand } from '../modules/consistency/check.command';
import { ConsistencyCheckService } from '../modules/consistency/consistency-check.service';
import { CopyRepairService } from '../modules/consistency/copy-repair.service';
import { PhysicalCopiesModule } from '../modules/physical-copies/physical-copies.module';
import { FileAmendmentService } from '../modules/raw-data-files/file-amendment.service';
import { FileAcceptCommand, FileCommand, FileWithdrawCommand } from '../modules/raw-data-files/file.command';

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
    ConsistencyCheckService,
    CopyRepairService,
    CheckCommand,
    FileAmendmentService,
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
