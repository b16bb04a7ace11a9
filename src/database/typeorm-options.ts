import { DataSourceOptions } from 'typeorm';
import { SnakeNamingStrategy } from 'typeorm-naming-strategies';
import { getProcessName } from '../engine/logging/process-name';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migration-list';

/** The one description of our database, shared by the apps, the CLI and the TypeORM CLI data source. */
export function typeOrmOptions(url: string, extra: Partial<DataSourceOptions> = {}): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    namingStrategy: new SnakeNamingStrategy(),
    synchronize: false,
    migrationsRun: false,
    migrationsTransactionMode: 'each',
    // gen_random_uuid() is built into PostgreSQL 13+; no extension to install at every connect.
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    // The process name shows in pg_stat_activity, so a process can find (and cancel) its own queries.
    // JIT off: our queries are short index lookups, and a cost estimate inflated by stale statistics made
    // PostgreSQL spend ~200 ms compiling a plan that then read no row (bench/scale, the deletion rules).
    extra: { max: 20, application_name: getProcessName().slice(0, 63), options: '-c jit=off' },
    ...extra,
  } as DataSourceOptions;
}
