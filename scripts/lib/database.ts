import { Client } from 'pg';

/** Drops and recreates a database on the server of `serverUrl` (a postgres:// URL without a database). */
export async function recreateDatabase(serverUrl: string, name: string): Promise<string> {
  if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new Error(`unsafe database name ${name}`);
  const admin = new Client({ connectionString: `${serverUrl}/postgres` });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  return `${serverUrl}/${name}`;
}
