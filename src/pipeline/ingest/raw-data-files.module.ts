import { Module } from '@nestjs/common';
import { ExplainModule } from '../../operations/explain/explain.module';
import { RawDataFileController } from './raw-data-file.controller';
import { RawDataFileService } from './raw-data-file.service';
import { RawDataFilesResolver } from './raw-data-files.resolver';
import { RegistrationRefResolver } from './registration-refs';

/** Files: registered by the instruments (REST), read in the console with the explain verdict of each. */
@Module({
  imports: [ExplainModule],
  controllers: [RawDataFileController],
  providers: [RawDataFileService, RegistrationRefResolver, RawDataFilesResolver],
  exports: [RawDataFileService],
})
export class RawDataFilesModule {}
