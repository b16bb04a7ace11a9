import { EntityManager } from 'typeorm';
import { StorageBackend } from '../../engine/storage/storage-backend';
import { DataLocation } from './data-location.entity';
import { LocationType, StorageType } from './location-type';

export interface OverThreshold {
  location: DataLocation;
  usedPercent: number;
}

/** How recent a MONITORING measurement must be to be used instead of looking at the disk from here. */
const FRESH_SECONDS = 300;

/**
 * Active disk locations (not archives) over their usage threshold: from the last MONITORING measurement
 * (taken by the worker that serves the location) when it is fresh, else read from the disk by this
 * process; a location neither way can see is left out.
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
    const used = await usedPercent(m, location, storageOf);
    if (used !== null && used > location.diskUsageThresholdPercent)
      over.push({ location, usedPercent: used });
  }
  return over;
}

/**
 * How full a disk location is, in percent: from its last MONITORING measurement when that is fresh, else
 * read from the disk by this process; null when neither can see it.
 */
export async function usedPercent(
  m: EntityManager,
  location: DataLocation,
  storageOf: (location: DataLocation) => StorageBackend,
): Promise<number | null> {
  const space =
    (await measured(m, location.id)) ??
    (await storageOf(location)
      .space()
      .catch(() => null));
  return space ? percentUsed(space.totalBytes, space.freeBytes) : null;
}

/** How full a disk of this size with this much free is, in percent; null when its size is unknown. */
export function percentUsed(totalBytes: number | null, freeBytes: number | null): number | null {
  if (!totalBytes || totalBytes <= 0 || freeBytes === null) return null;
  return (100 * (totalBytes - freeBytes)) / totalBytes;
}

async function measured(
  m: EntityManager,
  locationId: number,
): Promise<{ totalBytes: number; freeBytes: number } | null> {
  const [row] = await m.query(
    `SELECT total_bytes::float8 AS "totalBytes", free_bytes::float8 AS "freeBytes" FROM location_usage
      WHERE location_id = $1 AND total_bytes IS NOT NULL AND measured_at > now() - make_interval(secs => $2)`,
    [locationId, FRESH_SECONDS],
  );
  return row ?? null;
}
