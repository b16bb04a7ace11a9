import { Module } from '@nestjs/common';
import { PhysicalCopyService } from './physical-copy.service';

@Module({ providers: [PhysicalCopyService], exports: [PhysicalCopyService] })
export class PhysicalCopiesModule {}
