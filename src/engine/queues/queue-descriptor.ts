import { LocationType } from '../../catalog/locations/location-type';
import { OperationType } from './operation-type';

export interface QueueDescriptor {
  name: string;
  site: string;
  location: string;
  locationKey: string;
  locationId: number;
  locationType: LocationType;
  operation: OperationType;
}

/** What every job of every location queue carries: the row it works on, and which attempt this is. */
export interface TaskPayload {
  operation: OperationType;
  entityId: string;
  locationId: number;
  attempt: number;
}
