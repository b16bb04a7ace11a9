import { DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Environment } from '../config/environment';
import { typeOrmOptions } from './typeorm-options';

export interface DatabaseModuleOptions {
  /** Connection attempts at start-up: a long-running app rides out a database restart, the CLI fails fast. */
  retryAttempts: number;
  /**
   * Create the data source unconnected and let the caller connect it (the worker's DatabaseConnector),
   * so a process can start, and report itself unhealthy, while the database is unreachable.
   */
  connectLater?: boolean;
}

/**
 * The connection every app shares. Migrations are never run implicitly here: `ccat-dt migrate` (under an
 * advisory lock) is the one way the schema changes.
 */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(options: DatabaseModuleOptions = { retryAttempts: 5 }): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [ConfigService],
          useFactory: (config: ConfigService<Environment, true>) => ({
            ...typeOrmOptions(config.get('DATABASE_URL', { infer: true })),
            retryAttempts: options.retryAttempts,
            retryDelay: 1000,
            manualInitialization: options.connectLater ?? false,
          }),
        }),
      ],
    };
  }
}
