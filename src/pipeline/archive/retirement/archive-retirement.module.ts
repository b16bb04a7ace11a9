import { Module } from '@nestjs/common';
import { TopologyModule } from '../../../catalog/topology/topology.module';
import { ArchiveRetirementResolver } from './archive-retirement.resolver';
import { ArchiveRetirementService } from './archive-retirement.service';
import { LocationCommand, LocationEmptyCommand, LocationRetireCommand } from './location.command';

/** Retiring and emptying an archive location: the plan, the operator's steps, their CLI and GraphQL. */
@Module({
  imports: [TopologyModule],
  providers: [
    ArchiveRetirementService,
    ArchiveRetirementResolver,
    LocationCommand,
    LocationRetireCommand,
    LocationEmptyCommand,
  ],
  exports: [ArchiveRetirementService],
})
export class ArchiveRetirementModule {}
