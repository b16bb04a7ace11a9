import { Module } from '@nestjs/common';
import { ResetCommand } from './reset.command';
import { ResetResolver } from './reset.resolver';
import { WorkResetService } from './work-reset.service';

/** Resetting failed or lost work: the recovery manager, the API, the console, the CLI and file amendments. */
@Module({
  providers: [WorkResetService, ResetResolver, ResetCommand],
  exports: [WorkResetService],
})
export class WorkResetModule {}
