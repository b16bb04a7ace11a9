import { DataLocation } from '../../catalog/locations/data-location.entity';
import { TransferMethod } from './data-transfer.entity';

/**
 * How the destination reaches the origin's bytes: over the origin worker's data port when the two are at
 * different sites and the origin publishes a data URL; by reading it directly (one host or a shared
 * mount) otherwise.
 */
export function transferMethod(origin: DataLocation, destination: DataLocation): TransferMethod {
  return origin.siteId !== destination.siteId && origin.dataUrl ? TransferMethod.HTTP : TransferMethod.LOCAL;
}
