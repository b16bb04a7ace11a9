import { Module } from '@nestjs/common';
import { QueuesModule } from '../../engine/queues/queues.module';
import { ObsUnitPriorityService } from './obs-unit-priority.service';
import { PriorityCommand, PrioritySetCommand } from './priority.command';

/** Urgent data first: an operator's change of an obs unit's priority, and its queued jobs following it. */
@Module({
  imports: [QueuesModule],
  providers: [ObsUnitPriorityService, PriorityCommand, PrioritySetCommand],
  exports: [ObsUnitPriorityService],
})
export class ObsUnitPriorityModule {}
