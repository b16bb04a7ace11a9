import { Module } from '@nestjs/common';
import {
  DeletionCommand,
  DeletionPauseCommand,
  DeletionPlanCommand,
  DeletionResumeCommand,
  DeletionStatusCommand,
} from './deletion.command';
import { DeletionSwitchResolver } from './deletion-switch.resolver';
import { DeletionSwitchService } from './deletion-switch.service';

/**
 * The operators' switch that pauses deletion: read by the deletion manager, the status screen, explain and
 * the alerts, set by the CLI and the console. Its own module, so that each of those imports the one
 * instance instead of providing a copy; `ccat-dt deletion` is here rather than beside the deletion
 * processor, so that the CLI does not bring the worker's stage.
 */
@Module({
  providers: [
    DeletionSwitchService,
    DeletionSwitchResolver,
    DeletionCommand,
    DeletionPauseCommand,
    DeletionResumeCommand,
    DeletionStatusCommand,
    DeletionPlanCommand,
  ],
  exports: [DeletionSwitchService],
})
export class DeletionSwitchModule {}
