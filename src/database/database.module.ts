import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Environment } from '../config/environment';
import { typeOrmOptions } from './typeorm-options';

/**
 * The connection every app shares. Migrations are never run implicitly here: `ccat-dt migrate` (under an
 * advisory lock) is the one way the schema changes.
 */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<Environment, true>) => ({
        ...typeOrmOptions(config.get('DATABASE_URL', { infer: true })),
        // A worker must outlive a database outage; the app retries the first connection a few times.
        retryAttempts: 5,
        retryDelay: 1000,
      }),
    }),
  ],
})
export class DatabaseModule {}
