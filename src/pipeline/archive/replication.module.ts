import { Module } from '@nestjs/common';
import {
  ReplicationCommand,
  ReplicationPauseCommand,
  ReplicationResumeCommand,
  ReplicationStatusCommand,
} from './replication.command';
import { ReplicationResolver } from './replication.resolver';
import { ReplicationSwitchService } from './replication-switch.service';

/**
 * Replication's pause and progress: read by the replication manager, status, the overview and the
 * console, set by the CLI and the console. Its own module, so that each of those imports the one instance
 * and the CLI does not bring the archive stage's workers.
 */
@Module({
  providers: [
    ReplicationSwitchService,
    ReplicationResolver,
    ReplicationCommand,
    ReplicationStatusCommand,
    ReplicationPauseCommand,
    ReplicationResumeCommand,
  ],
  exports: [ReplicationSwitchService],
})
export class ReplicationModule {}
