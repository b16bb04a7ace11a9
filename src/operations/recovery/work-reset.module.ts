import { Module } from '@nestjs/common';
import { WorkResetService } from './work-reset.service';

/** Resetting failed or lost work: the recovery manager, the API, the console, the CLI and file amendments. */
@Module({ providers: [WorkResetService], exports: [WorkResetService] })
export class WorkResetModule {}
