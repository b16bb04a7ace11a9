import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { HeartbeatsModule } from '../heartbeats/heartbeats.module';
import { ManagerCycleRunner } from './manager-cycle.runner';
import { ManagerRegistry } from './manager.registry';
import { ManagerSchedulerService } from './manager-scheduler.service';
import { MANAGERS_QUEUE } from './managers.constants';
import { ManagersProcessor } from './managers.processor';

/**
 * The managers role: schedulers, the processor that runs cycles, and the lock that keeps each kind to one
 * cycle at a time. The managers themselves live in their domain modules, imported beside this one.
 */
@Module({
  imports: [DiscoveryModule, HeartbeatsModule, BullModule.registerQueue({ name: MANAGERS_QUEUE })],
  providers: [ManagerRegistry, ManagerCycleRunner, ManagerSchedulerService, ManagersProcessor],
  exports: [ManagerCycleRunner, ManagerRegistry],
})
export class ManagersRoleModule {}
