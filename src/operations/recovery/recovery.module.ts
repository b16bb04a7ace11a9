import { Module } from '@nestjs/common';
import { PhysicalCopiesModule } from '../../catalog/physical-copies/physical-copies.module';
import { QueuesModule } from '../../engine/queues/queues.module';
import { RecoveryManager } from './recovery.manager';
import { WorkResetController } from './work-reset.controller';
import { WorkResetModule } from './work-reset.module';

/** Keeping the pipeline moving: lost work found and reset, and the operators' resets of failures. */
@Module({
  imports: [QueuesModule, PhysicalCopiesModule, WorkResetModule],
  providers: [RecoveryManager],
  exports: [RecoveryManager],
})
export class RecoveryModule {}

/** What the api app needs of it: the reset endpoints. */
@Module({ imports: [WorkResetModule], controllers: [WorkResetController] })
export class RecoveryApiModule {}
