import { DataSourceOptions } from 'typeorm';
import { SnakeNamingStrategy } from 'typeorm-naming-strategies';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

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
    extra: { max: 20, application_name: 'ccat-dt' },
    ...extra,
  } as DataSourceOptions;
}
