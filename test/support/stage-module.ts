import type { Type } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';

export interface StageModuleHarness {
  moduleRef: TestingModule;
  /** Closes the module and puts the environment back as it was. */
  close(): Promise<void>;
}

/**
 * A stage's Nest modules wired as the worker wires them, with the config, database and Redis modules the
 * apps use, on the database and Redis named in `env`. The config module reads the environment when it is
 * first loaded, so it is required here, after `env` is set (each jest test file has its own module
 * registry); the environment is put back on close, as test files share a jest worker's process.env.
 */
export async function startStageModule(
  env: Record<string, string>,
  stageModules: Type[],
): Promise<StageModuleHarness> {
  const settings: Record<string, string> = { LOG_LEVEL: 'warn', ...env };
  const before = Object.fromEntries(Object.keys(settings).map((k) => [k, process.env[k]]));
  Object.assign(process.env, settings);
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { AppConfigModule } =
    require('../../src/config/config.module') as typeof import('../../src/config/config.module');
  const { DatabaseModule } =
    require('../../src/database/database.module') as typeof import('../../src/database/database.module');
  const { RedisModule } =
    require('../../src/engine/redis/redis.module') as typeof import('../../src/engine/redis/redis.module');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const moduleRef = await Test.createTestingModule({
    imports: [AppConfigModule, DatabaseModule.forRoot({ retryAttempts: 0 }), RedisModule, ...stageModules],
  }).compile();
  moduleRef.useLogger(['error', 'warn']);
  await moduleRef.init();
  return {
    moduleRef,
    close: async () => {
      await moduleRef.close();
      for (const [k, v] of Object.entries(before)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    },
  };
}
