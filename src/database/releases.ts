import { MIGRATIONS } from './migration-list';

/**
 * The last migration of each release, in order. Sites upgrade on different days, so a release's migrations
 * only *expand* the schema (new tables, new nullable or defaulted columns, new enum values, new indexes):
 * the previous release's workers keep running against it. Dropping or renaming what the previous release
 * still uses waits for a later release (*contract*), once no worker of it is left.
 * test/rolling-upgrade.e2e-spec.ts checks the previous release's schema and statements against the new one.
 */
export const LAST_MIGRATION_OF_RELEASE: Readonly<Record<string, string>> = {
  '0.1.0': 'SourceReleased1795570103791',
};

/** The migrations of the releases up to and including `release`. */
export function migrationsUpTo(release: string): typeof MIGRATIONS {
  const last = LAST_MIGRATION_OF_RELEASE[release];
  const index = MIGRATIONS.findIndex((m) => m.name === last);
  if (!last || index < 0) throw new Error(`no migrations recorded for release ${release}`);
  return MIGRATIONS.slice(0, index + 1);
}
