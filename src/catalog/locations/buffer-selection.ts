import { EntityManager } from 'typeorm';
import { StorageBackend } from '../../engine/storage/storage-backend';
import { DataLocation } from './data-location.entity';
import { usedPercent } from './disk-usage';
import { LocationType } from './location-type';

/**
 * The buffer a site's new data goes to: the active (not draining) buffer with the lowest priority number
 * that has room (below its usage threshold); the next one when it is full; none if every buffer is
 * offline, draining or full.
 */
export async function chooseBuffer(
  m: EntityManager,
  siteId: number,
  storageOf: (location: DataLocation) => StorageBackend,
): Promise<{ buffer: DataLocation; skipped: string[] } | { buffer: null; skipped: string[] }> {
  const buffers = await m.find(DataLocation, {
    // A draining buffer takes nothing new; an offline one (active false) is not served.
    where: { siteId, locationType: LocationType.BUFFER, active: true, draining: false },
    order: { priority: 'ASC', id: 'ASC' },
  });
  const skipped: string[] = [];
  for (const buffer of buffers) {
    const threshold = buffer.diskUsageThresholdPercent ?? 100;
    // A disk this process cannot measure counts as having room; its worker's writes will say otherwise.
    const used = (await usedPercent(m, buffer, storageOf)) ?? 0;
    if (used > threshold) {
      skipped.push(`${buffer.name} is ${used.toFixed(1)}% full (threshold ${threshold}%)`);
      continue;
    }
    return { buffer, skipped };
  }
  return { buffer: null, skipped };
}
