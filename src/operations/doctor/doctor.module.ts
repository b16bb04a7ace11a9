import { Module } from '@nestjs/common';
import { StorageModule } from '../../engine/storage/storage.module';
import { DoctorCommand } from './doctor.command';
import { DoctorService } from './doctor.service';

/** `ccat-dt doctor`: what this deployment needs from the host it runs on. */
@Module({ imports: [StorageModule], providers: [DoctorService, DoctorCommand] })
export class DoctorModule {}
