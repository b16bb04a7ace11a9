import { DataSource, Migration } from 'typeorm';

/** Arbitrary but fixed: every process that migrates this database takes the same lock. */
const MIGRATION_LOCK_KEY = 0x63636174; // "ccat"

/**
 * Runs pending migrations while holding a session-level advisory lock on a dedicated connection, so two
 * processes starting at once migrate one after the other instead of racing on the same DDL.
 */
export async function runMigrations(dataSource: DataSource): Promise<Migration[]> {
  return withMigrationLock(dataSource, () => dataSource.runMigrations({ transaction: 'each' }));
}

export async function revertMigrations(dataSource: DataSource, count: number): Promise<number> {
  return withMigrationLock(dataSource, async () => {
    let reverted = 0;
    for (; reverted < count; reverted++) {
      const executed = await dataSource
        .query(`SELECT count(*)::int AS n FROM migrations`)
        .catch(() => [{ n: 0 }]);
      if (executed[0].n === 0) break;
      await dataSource.undoLastMigration({ transaction: 'each' });
    }
    return reverted;
  });
}

async function withMigrationLock<T>(dataSource: DataSource, work: () => Promise<T>): Promise<T> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    return await work();
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await runner.release();
  }
}
