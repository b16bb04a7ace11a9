import { Module } from '@nestjs/common';
import { DeletionSwitchService } from './deletion-switch.service';

/**
 * The operators' switch that pauses deletion: read by the deletion manager, the status screen, explain and
 * the alerts, set by the CLI and the console. Its own module, so that each of those imports the one
 * instance instead of providing a copy.
 */
@Module({ providers: [DeletionSwitchService], exports: [DeletionSwitchService] })
export class DeletionSwitchModule {}
