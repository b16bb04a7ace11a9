import { Module } from '@nestjs/common';
import { PhysicalCopiesModule } from '../physical-copies/physical-copies.module';
import { RawDataFileController } from './raw-data-file.controller';
import { RawDataFileService } from './raw-data-file.service';

@Module({
  imports: [PhysicalCopiesModule],
  controllers: [RawDataFileController],
  providers: [RawDataFileService],
  exports: [RawDataFileService],
})
export class RawDataFilesModule {}
