import { Module } from '@nestjs/common';
import { PhysicalCopiesResolver } from './physical-copies.resolver';
import { PhysicalCopyService } from './physical-copy.service';

@Module({
  providers: [PhysicalCopyService, PhysicalCopiesResolver],
  exports: [PhysicalCopyService],
})
export class PhysicalCopiesModule {}
