import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { createTestDatabase, TestDatabase } from './test-database';

export interface ApiHarness {
  app: INestApplication;
  db: TestDatabase;
  dataSource: DataSource;
  close(): Promise<void>;
}

/**
 * The real ApiModule, configured exactly as main.ts does, on a fresh migrated database of its own.
 * The config module reads the environment when the app module is first loaded, so it is required here,
 * after DATABASE_URL points at this file's database (each jest test file has its own module registry).
 */
export async function startApi(env: Record<string, string> = {}): Promise<ApiHarness> {
  const db = await createTestDatabase();
  const settings: Record<string, string> = { DATABASE_URL: db.url, LOG_LEVEL: 'warn', ...env };
  // Put back on close: test files share a jest worker's process.env, and one file's limits must not
  // become the next one's.
  const before = Object.fromEntries(Object.keys(settings).map((k) => [k, process.env[k]]));
  Object.assign(process.env, settings);
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { ApiModule } = require('../../apps/api/api.module') as typeof import('../../apps/api/api.module');
  const { configureApi } =
    require('../../apps/api/configure-api') as typeof import('../../apps/api/configure-api');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const moduleRef = await Test.createTestingModule({ imports: [ApiModule] }).compile();
  const app = moduleRef.createNestApplication({ bodyParser: false, bufferLogs: true });
  configureApi(app);
  await app.init();
  return {
    app,
    db,
    dataSource: app.get(DataSource),
    close: async () => {
      await app.close();
      await db.drop();
      for (const [k, v] of Object.entries(before)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    },
  };
}
