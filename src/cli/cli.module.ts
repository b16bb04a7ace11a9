import { Module } from '@nestjs/common';
import { AppConfigModule } from '../config/config.module';
import { DatabaseModule } from '../database/database.module';
import { AuthModule } from '../modules/auth/auth.module';
import { TopologyModule } from '../modules/topology/topology.module';
import { MigrateCommand } from './migrate.command';

/** `ccat-dt`: every operator command; each domain module contributes its own commands. */
@Module({
  imports: [AppConfigModule, DatabaseModule.forRoot({ retryAttempts: 0 }), AuthModule, TopologyModule],
  providers: [MigrateCommand],
})
export class CliModule {}
