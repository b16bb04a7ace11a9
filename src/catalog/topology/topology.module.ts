import { Module } from '@nestjs/common';
import { TopologyApplyCommand, TopologyCommand } from './topology-apply.command';
import { TopologyService } from './topology.service';

/** Sites, locations and the observatory hierarchy, declared in a YAML file and applied by `ccat-dt topology apply`. */
@Module({
  providers: [TopologyService, TopologyCommand, TopologyApplyCommand],
  exports: [TopologyService],
})
export class TopologyModule {}
