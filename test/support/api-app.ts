import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { createTestDatabase, TestDatabase } from './test-database';

export interface ApiHarness {
  app: INestApplication;
  db: TestDatabase;
  dataSource: DataSource;
  /**
   * One more api on the same settings, database and Redis, as a deployment runs several behind a proxy;
   * closed with the harness.
   */
  another(): Promise<INestApplication>;
  close(): Promise<void>;
}

/**
 * The real ApiModule, configured exactly as main.ts does, on a fresh migrated database of its own.
 * The config module reads the environment when the app module is first loaded, so it is required here,
 * after DATABASE_URL points at this file's database (each jest test file has its own module registry).
 */
export async function startApi(env: Record<string, string> = {}): Promise<ApiHarness> {
  const db = await createTestDatabase();
  const settings: Record<string, string> = {
    DATABASE_URL: db.url,
    LOG_LEVEL: 'warn',
    // Failed authentications are counted in Redis under this prefix: without one of its own, test files
    // running at once (all from 127.0.0.1) would spend one budget.
    REDIS_KEY_PREFIX: `api${randomBytes(4).toString('hex')}:`,
    ...env,
  };
  // Put back on close: test files share a jest worker's process.env, and one file's limits must not
  // become the next one's.
  const before = Object.fromEntries(Object.keys(settings).map((k) => [k, process.env[k]]));
  Object.assign(process.env, settings);
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { ApiModule } = require('../../apps/api/api.module') as typeof import('../../apps/api/api.module');
  const { configureApi } =
    require('../../apps/api/configure-api') as typeof import('../../apps/api/configure-api');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const create = async () => {
    const moduleRef = await Test.createTestingModule({ imports: [ApiModule] }).compile();
    const created = moduleRef.createNestApplication({ bodyParser: false, bufferLogs: true });
    configureApi(created);
    await created.init();
    return created;
  };
  const app = await create();
  const others: INestApplication[] = [];
  return {
    app,
    db,
    dataSource: app.get(DataSource),
    another: async () => {
      const other = await create();
      others.push(other);
      return other;
    },
    close: async () => {
      for (const other of others) await other.close();
      await app.close();
      await db.drop();
      for (const [k, v] of Object.entries(before)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    },
  };
}
