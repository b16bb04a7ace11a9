import { Module } from '@nestjs/common';
import { StatusModule } from '../../operations/status/status.module';
import { HeartbeatService } from './heartbeat.service';
import { ServicesCommand } from './services.command';
import { ServicesResolver } from './services.resolver';

@Module({ providers: [HeartbeatService], exports: [HeartbeatService] })
export class HeartbeatsModule {}

/**
 * The live services, read from their heartbeats: `ccat-dt services` and the console. Apart from
 * HeartbeatsModule, which every process imports to beat, so that beating does not bring the status reads.
 */
@Module({ imports: [StatusModule], providers: [ServicesResolver, ServicesCommand] })
export class ServicesModule {}
