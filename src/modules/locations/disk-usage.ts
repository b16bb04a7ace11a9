import { EntityManager } from 'typeorm';
import { StorageBackend } from '../storage/storage-backend';
import { DataLocation } from './data-location.entity';
import { LocationType, StorageType } from './location-type';

export interface OverThreshold {
  location: DataLocation;
  usedPercent: number;
}

/**
 * Active disk locations (not archives) over their usage threshold. Read from the disks by this process
 * until the MONITORING operation records usage; a location this process cannot see is left out.
 */
export async function locationsOverThreshold(
  m: EntityManager,
  storageOf: (location: DataLocation) => StorageBackend,
): Promise<OverThreshold[]> {
  const locations = await m.find(DataLocation, { where: { active: true }, relations: { site: true } });
  const over: OverThreshold[] = [];
  for (const location of locations) {
    if (location.locationType === LocationType.LONG_TERM_ARCHIVE || location.storageType !== StorageType.DISK)
      continue;
    if (location.diskUsageThresholdPercent == null) continue;
    const space = await storageOf(location)
      .space()
      .catch(() => null);
    if (!space || space.totalBytes <= 0) continue;
    const usedPercent = (100 * (space.totalBytes - space.freeBytes)) / space.totalBytes;
    if (usedPercent > location.diskUsageThresholdPercent) over.push({ location, usedPercent });
  }
  return over;
}
