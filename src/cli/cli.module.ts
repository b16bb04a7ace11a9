import { DynamicModule, Module } from '@nestjs/common';
import { RoutingModule } from '../catalog/routing/routing.module';
import { TopologyModule } from '../catalog/topology/topology.module';
import { AppConfigModule } from '../config/config.module';
import { DatabaseModule } from '../database/database.module';
import { AuthModule } from '../engine/auth/auth.module';
import { ServicesModule } from '../engine/heartbeats/heartbeats.module';
import { QueuesModule } from '../engine/queues/queues.module';
import { RedisModule } from '../engine/redis/redis.module';
import { CatalogueModule } from '../operations/catalogue-rebuild/catalogue.module';
import { ConsistencyCheckModule } from '../operations/consistency/consistency.module';
import { DoctorModule } from '../operations/doctor/doctor.module';
import { ExplainModule } from '../operations/explain/explain.module';
import { WorkResetModule } from '../operations/recovery/work-reset.module';
import { StatusModule } from '../operations/status/status.module';
import { DeletionSwitchModule } from '../pipeline/deletion/deletion-switch.module';
import { ReplicationModule } from '../pipeline/archive/replication.module';
import { ArchiveRetirementModule } from '../pipeline/archive/retirement/archive-retirement.module';
import { FileAmendmentModule } from '../pipeline/ingest/file-amendment.module';
import { ObsUnitPriorityModule } from '../pipeline/ingest/obs-unit-priority.module';
import { MigrateCommand } from './migrate.command';

/**
 * Whether the command line asks only for usage (`--help`, `-h`, `help`, nothing at all): then nothing
 * connects, so that the first command a new operator types works with no database and no Redis.
 */
export function asksForHelpOnly(args: string[]): boolean {
  return args.length === 0 || args.some((a) => a === '--help' || a === '-h') || args[0] === 'help';
}

/** `doctor` connects by itself, so that it can report a database it cannot reach as a row, not a crash. */
const connectsLater = (args: string[]) => asksForHelpOnly(args) || args[0] === 'doctor';

/**
 * `ccat-dt`: every operator command. Each domain module provides its own commands, and nest-commander
 * finds them in any imported module; the help lists them in the order Nest reaches their modules (depth
 * first through these imports: `status`, and the `deletion` and `explain` it uses, come with `services`).
 */
@Module({
  imports: [
    AppConfigModule,
    RedisModule,
    QueuesModule,
    ServicesModule,
    DeletionSwitchModule,
    ReplicationModule,
    WorkResetModule,
    ExplainModule,
    StatusModule,
    RoutingModule,
    ConsistencyCheckModule,
    FileAmendmentModule,
    ObsUnitPriorityModule,
    DoctorModule,
    AuthModule,
    TopologyModule,
    ArchiveRetirementModule,
    CatalogueModule,
  ],
  providers: [MigrateCommand],
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
