import { Logger } from '@nestjs/common';
import { posix } from 'node:path';
import { DataSource, EntityManager } from 'typeorm';
import { DataLocation } from '../../catalog/locations/data-location.entity';
import { StorageService } from '../../engine/storage/storage.service';
import { RawDataPackage } from './raw-data-package.entity';
import { CopyStatus } from '../../catalog/physical-copies/physical-copy.states';

const logger = new Logger('PackagingTarget');

/**
 * Makes `buffer` the recorded target of the package's tar (packaging_location_id, at relative_path)
 * before a byte is written there, so that whatever an attempt leaves behind can be found from the row.
 *
 * An attempt sent to another buffer than the recorded one (that one went inactive or full) first removes
 * what the earlier attempt left there: the tar it renamed into place before it died short of recording
 * it, and its temporaries. Only then is the new buffer recorded, so from a crash at any point the next
 * attempt still knows where to look. The buffer is always the one chooseBuffer picks, never the earlier one
 * kept because it would still do: one rule for where new data goes, and a buffer taken out of service
 * gets no more packages.
 */
export async function takePackagingTarget(
  dataSource: DataSource,
  storage: StorageService,
  pkg: RawDataPackage,
  buffer: DataLocation,
): Promise<void> {
  const earlier = pkg.packagingLocationId;
  if (earlier === buffer.id) return;
  if (earlier !== null) await removeUnrecordedTar(dataSource, storage, pkg, earlier);
  await dataSource.manager.update(RawDataPackage, { id: pkg.id }, { packagingLocationId: buffer.id });
  pkg.packagingLocationId = buffer.id;
}

/**
 * The package's tar and the temporaries of writes of it at `locationId`, unless a copy records a tar of
 * this package there: then it is no leftover, and only that copy's own life (the deletion rules) may
 * remove it. A failure (the disk unreadable) fails the attempt: the row still names that buffer, and a
 * later attempt tries again.
 */
async function removeUnrecordedTar(
  dataSource: DataSource,
  storage: StorageService,
  pkg: RawDataPackage,
  locationId: number,
): Promise<void> {
  const location = await dataSource.manager.findOneByOrFail(DataLocation, { id: locationId });
  const recorded = await dataSource.query(
    `SELECT 1 FROM physical_copy
      WHERE raw_data_package_id = $1 AND location_id = $2 AND status <> '${CopyStatus.DELETED}' LIMIT 1`,
    [pkg.id, locationId],
  );
  if (recorded.length) {
    logger.warn(`${pkg.name}: a copy records its tar at ${location.name}; not removing it`);
    return;
  }
  const backend = storage.backendFor(location);
  const dir = posix.dirname(pkg.relativePath);
  const name = posix.basename(pkg.relativePath);
  const prefix = dir === '.' ? '' : `${dir}/`;
  // The names DiskStorage.write gives its temporaries: `.<name>.<random>.part` beside the target.
  const isOurs = (p: string) => {
    const rest = p.slice(prefix.length);
    return rest === name || (rest.startsWith(`.${name}.`) && rest.endsWith('.part') && !rest.includes('/'));
  };
  const found: string[] = [];
  for await (const object of backend.list(prefix)) if (isOurs(object.path)) found.push(object.path);
  for (const path of found) await backend.delete(path);
  if (found.length) {
    logger.log(`${pkg.name}: removed what an earlier attempt left at ${location.name}: ${found.join(', ')}`);
  }
}

/**
 * Locks the package row and says whether this attempt's claim still holds and the row still names
 * `buffer` as its target. An attempt whose claim was taken over (its job stalled and ran again, or
 * recovery reset it) must not record its tar: the new owner may already have removed it, and a PRESENT
 * copy of a file that is not there is the one thing the records must never say.
 */
export async function stillOwns(
  m: EntityManager,
  pkg: RawDataPackage,
  buffer: DataLocation,
): Promise<{ owns: true } | { owns: false; why: string }> {
  const [row] = (await m.query(
    `SELECT claimed_by, claimed_at, packaging_location_id FROM raw_data_package WHERE id = $1 FOR UPDATE`,
    [pkg.id],
  )) as { claimed_by: string | null; claimed_at: Date | null; packaging_location_id: number | null }[];
  if (row.claimed_by !== pkg.claimedBy || row.claimed_at?.getTime() !== pkg.claimedAt?.getTime()) {
    return { owns: false, why: `claimed by ${row.claimed_by ?? 'nobody'} since this attempt began` };
  }
  if (row.packaging_location_id !== buffer.id) {
    return { owns: false, why: `its target moved to location ${row.packaging_location_id}` };
  }
  return { owns: true };
}
