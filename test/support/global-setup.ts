import { DataSource } from 'typeorm';
import { runMigrations } from '../../src/database/migrate';
import { typeOrmOptions } from '../../src/database/typeorm-options';
import { databaseUrl, TEMPLATE_DATABASE, withAdminClient } from './test-database';

/** Migrates the template database once per run; every test file clones it. */
export default async function globalSetup(): Promise<void> {
  await withAdminClient(async (c) => {
    // Leftovers of an interrupted earlier run.
    const stale = await c.query(`SELECT datname FROM pg_database WHERE datname LIKE 'ccat_test_%'`);
    for (const { datname } of stale.rows) await c.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    await c.query(`CREATE DATABASE "${TEMPLATE_DATABASE}"`);
  });
  const dataSource = new DataSource(typeOrmOptions(databaseUrl(TEMPLATE_DATABASE)));
  await dataSource.initialize();
  try {
    await runMigrations(dataSource);
  } finally {
    await dataSource.destroy();
  }
}
