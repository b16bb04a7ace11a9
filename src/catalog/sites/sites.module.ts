import { Module } from '@nestjs/common';
import { TopologyModule } from '../topology/topology.module';
import { SitesResolver } from './sites.resolver';

/** The sites in the console: read from the catalogue, edited through the topology file. */
@Module({ imports: [TopologyModule], providers: [SitesResolver] })
export class SitesModule {}
