import { Module } from '@nestjs/common';
import { PhysicalCopiesModule } from '../../catalog/physical-copies/physical-copies.module';
import { StorageModule } from '../../engine/storage/storage.module';
import { WorkResetModule } from '../../operations/recovery/work-reset.module';
import { FileAmendmentService } from './file-amendment.service';

/** The operators' way out for a file that changed at its source: accept it as it is, or withdraw it. */
@Module({
  imports: [StorageModule, PhysicalCopiesModule, WorkResetModule],
  providers: [FileAmendmentService],
  exports: [FileAmendmentService],
})
export class FileAmendmentModule {}
