import { Module } from '@nestjs/common';
import { RawDataFileController } from './raw-data-file.controller';
import { RawDataFileService } from './raw-data-file.service';
import { RegistrationRefResolver } from './registration-refs';

@Module({
  controllers: [RawDataFileController],
  providers: [RawDataFileService, RegistrationRefResolver],
  exports: [RawDataFileService],
})
export class RawDataFilesModule {}
