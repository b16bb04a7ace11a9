import { SetMetadata } from '@nestjs/common';
import { Environment } from '../../config/environment';

export const PIPELINE_MANAGER = 'ccat:pipeline-manager';

type DurationSetting = Exclude<
  { [K in keyof Environment]-?: Environment[K] extends number ? K : never }[keyof Environment],
  undefined
>;

export interface PipelineManagerOptions {
  /** Names the scheduler, the advisory lock and the cycle records. */
  kind: string;
  /** The setting that holds this manager's interval. */
  interval: DurationSetting;
}

/** Marks a provider as a manager: it decides what work is needed, records it, and enqueues it. */
export const PipelineManager = (options: PipelineManagerOptions) => SetMetadata(PIPELINE_MANAGER, options);

export interface Manager {
  /**
   * One pass: read the database, write records, enqueue jobs. Never touches data. Returns a short summary
   * of what it did, stored with the cycle. Runs under the manager's lock: never twice at once.
   */
  runCycle(): Promise<Record<string, unknown>>;
}
