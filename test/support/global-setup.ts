import { DataSource } from 'typeorm';
import { runMigrations } from '../../src/database/migrate';
import { typeOrmOptions } from '../../src/database/typeorm-options';
import { databaseUrl, withAdminClient } from './test-database';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Migrates this run's template database once; every test file clones it. Names carry the pid of the
 * process that made them (`ccat_test_<pid>_…`, `ccat_test_tpl_<pid>`), so leftovers of a dead run are
 * dropped and a run going on beside this one is left alone.
 */
export default async function globalSetup(): Promise<void> {
  const template = `ccat_test_tpl_${process.pid}`;
  process.env.CCAT_TEST_TEMPLATE = template;
  await withAdminClient(async (c) => {
    const existing = await c.query(`SELECT datname FROM pg_database WHERE datname LIKE 'ccat_test_%'`);
    for (const { datname } of existing.rows as { datname: string }[]) {
      const pid = Number(/^ccat_test_(?:tpl_)?(\d+)/.exec(datname)?.[1]);
      if (!pid || !alive(pid)) await c.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
    await c.query(`CREATE DATABASE "${template}"`);
  });
  const dataSource = new DataSource(typeOrmOptions(databaseUrl(template)));
  await dataSource.initialize();
  try {
    await runMigrations(dataSource);
  } finally {
    await dataSource.destroy();
  }
}
