import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { LocationType } from '../../catalog/locations/location-type';
import { QUEUE_OPERATIONS_BY_LOCATION_TYPE } from './operation-type';
import { QueueDescriptor } from './queue-descriptor';
import { locationKey, queueName } from './queue-name';

interface LocationRow {
  id: number;
  site: string;
  name: string;
  location_type: LocationType;
}

/**
 * Derives the queues from the database: every active location, times the operations its type has.
 * Nothing about queues is configured by hand, so a location added in the topology has its queues at once.
 */
@Injectable()
export class QueueDiscoveryService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async discoverAll(): Promise<QueueDescriptor[]> {
    return this.discover(true);
  }

  /**
   * The queues of every location, inactive ones too: what a worker may be told to serve (`--queues`) and
   * will bind once its location is active again.
   */
  async discoverEvery(): Promise<QueueDescriptor[]> {
    return this.discover(false);
  }

  private async discover(activeOnly: boolean): Promise<QueueDescriptor[]> {
    const rows: LocationRow[] = await this.dataSource.query(
      `SELECT l.id, s.short_name AS site, l.name, l.location_type
         FROM data_location l JOIN site s ON s.id = l.site_id
        WHERE l.active OR NOT $1
        ORDER BY s.short_name, l.priority, l.name`,
      [activeOnly],
    );
    return rows.flatMap((l) =>
      QUEUE_OPERATIONS_BY_LOCATION_TYPE[l.location_type].map((operation) => ({
        name: queueName(l.site, l.name, operation),
        site: l.site,
        location: l.name,
        locationKey: locationKey(l.site, l.name),
        locationId: l.id,
        locationType: l.location_type,
        operation,
      })),
    );
  }
}
