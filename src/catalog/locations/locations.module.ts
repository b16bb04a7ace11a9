import { Module } from '@nestjs/common';
import { TopologyModule } from '../topology/topology.module';
import { LocationsResolver } from './locations.resolver';

/** The locations in the console: read from the catalogue, edited through the topology file. */
@Module({ imports: [TopologyModule], providers: [LocationsResolver] })
export class LocationsModule {}
