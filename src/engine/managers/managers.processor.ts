import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { Job } from 'bullmq';
import { ManagerCycleRunner } from './manager-cycle.runner';
import { CycleOutcome } from './manager-cycle.entity';
import { MANAGERS_QUEUE, ManagerCycleJob } from './managers.constants';

/**
 * Runs the cycles the schedulers put on the managers queue. Several at once (one per kind, and a second of
 * the same kind finds the lock held and skips), so a slow manager never delays the others.
 */
@Processor(MANAGERS_QUEUE, { concurrency: 8 })
export class ManagersProcessor extends WorkerHost {
  private readonly logger = new Logger(ManagersProcessor.name);

  constructor(private readonly runner: ManagerCycleRunner) {
    super();
  }

  async process(job: Job<ManagerCycleJob>): Promise<string> {
    const outcome = await this.runner.run(job.data.kind);
    if (outcome === CycleOutcome.SKIPPED)
      this.logger.debug(`${job.data.kind}: another cycle holds the lock; skipped`);
    return outcome;
  }
}
