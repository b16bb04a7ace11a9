import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** The server the tests use; each test file gets its own database on it, cloned from a migrated template. */
export const TEST_SERVER_URL = process.env.TEST_DATABASE_SERVER_URL ?? 'postgres://postgres@127.0.0.1:5432';
/** Per run (set by the global setup), so that two test runs on one server never drop each other's. */
export const TEMPLATE_DATABASE = process.env.CCAT_TEST_TEMPLATE ?? `ccat_test_tpl_${process.pid}`;

export function databaseUrl(name: string): string {
  return `${TEST_SERVER_URL}/${name}`;
}

export async function withAdminClient<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: databaseUrl('postgres') });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A fresh, migrated database for one test file (CREATE DATABASE ... TEMPLATE takes ~100 ms). */
export async function createTestDatabase(template: string | null = TEMPLATE_DATABASE): Promise<TestDatabase> {
  const name = `ccat_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await withAdminClient((c) =>
    c.query(template ? `CREATE DATABASE "${name}" TEMPLATE "${template}"` : `CREATE DATABASE "${name}"`),
  );
  return {
    name,
    url: databaseUrl(name),
    drop: () =>
      withAdminClient((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}
