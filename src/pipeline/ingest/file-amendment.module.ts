import { Module } from '@nestjs/common';
import { PhysicalCopiesModule } from '../../catalog/physical-copies/physical-copies.module';
import { StorageModule } from '../../engine/storage/storage.module';
import { WorkResetModule } from '../../operations/recovery/work-reset.module';
import { FileAmendmentResolver } from './file-amendment.resolver';
import { FileAmendmentService } from './file-amendment.service';
import { FileAcceptCommand, FileCommand, FileWithdrawCommand } from './file.command';

/** The operators' way out for a file that changed at its source: accept it as it is, or withdraw it. */
@Module({
  imports: [StorageModule, PhysicalCopiesModule, WorkResetModule],
  providers: [
    FileAmendmentService,
    FileAmendmentResolver,
    FileCommand,
    FileAcceptCommand,
    FileWithdrawCommand,
  ],
  exports: [FileAmendmentService],
})
export class FileAmendmentModule {}
