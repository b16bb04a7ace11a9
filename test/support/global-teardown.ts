import { withAdminClient } from './test-database';

export default async function globalTeardown(): Promise<void> {
  const template = process.env.CCAT_TEST_TEMPLATE;
  if (template) await withAdminClient((c) => c.query(`DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`));
}
