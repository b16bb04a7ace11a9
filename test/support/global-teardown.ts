import { TEMPLATE_DATABASE, withAdminClient } from './test-database';

export default async function globalTeardown(): Promise<void> {
  await withAdminClient((c) => c.query(`DROP DATABASE IF EXISTS "${TEMPLATE_DATABASE}" WITH (FORCE)`));
}
