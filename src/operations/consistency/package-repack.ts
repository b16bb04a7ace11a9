import { DataSource } from 'typeorm';
import { TaskError } from '../../engine/work/task-error';
import { DataLocation } from '../../catalog/locations/data-location.entity';
import { SourceFileError, writeTar } from '../../pipeline/packaging/package-archive';
import { packageFilesAtSource, packageMembers } from '../../pipeline/packaging/raw-data-package.queries';
import { PhysicalCopy } from '../../catalog/physical-copies/physical-copy.entity';
import { LIVE_COPY_STATUSES } from '../../catalog/physical-copies/physical-copy.states';
import { ChecksumMismatchError } from '../../engine/storage/storage-errors';
import { StorageService } from '../../engine/storage/storage.service';

/** Heals of one package (repairs of its copies) allowed within HEAL_WINDOW_HOURS; past them, an operator looks. */
export const MAX_HEALS_PER_PACKAGE = 3;
export const HEAL_WINDOW_HOURS = 24;

/** The heal cannot succeed by retrying: no good copy, no source to pack from, or the limit reached. */
export class HealRefusedError extends TaskError {
  readonly retryable = false;
}

/**
 * Refuses a heal of package `packageId` past MAX_HEALS_PER_PACKAGE repairs of its copies within
 * HEAL_WINDOW_HOURS (this one included): bytes that keep going bad need a person, not a loop.
 */
export async function assertHealBudget(dataSource: DataSource, packageId: string | null): Promise<void> {
  if (!packageId) return;
  const [{ heals }] = await dataSource.query(
    `SELECT count(*)::int AS heals FROM copy_repair r JOIN physical_copy c ON c.id = r.lost_copy_id
      WHERE c.raw_data_package_id = $1 AND r.created_at > now() - make_interval(hours => $2)`,
    [packageId, HEAL_WINDOW_HOURS],
  );
  if (heals > MAX_HEALS_PER_PACKAGE)
    throw new HealRefusedError(
      `package copies of this package were found bad ${heals} times within ${HEAL_WINDOW_HOURS} h, more than the ` +
        `${MAX_HEALS_PER_PACKAGE} heals allowed: something keeps damaging it; look at its storage, then ` +
        '`ccat-dt reset repair` to try again',
    );
}

/**
 * Packs a lost package copy again from its source files, into the lost copy's path: only where the
 * package's source location is at the same site (its worker reaches both), only while every one of its
 * files still has a live copy there, each read checked against its registration, and only if the tar comes
 * out byte for byte the recorded one (its layout is deterministic, packageMembers): the storage keeps
 * nothing else, so no two sites ever hold different bytes under one package. Returns where it came from.
 */
export async function repackFromSource(
  dataSource: DataSource,
  storage: StorageService,
  lost: PhysicalCopy,
  location: DataLocation,
): Promise<string> {
  const pkg = await packageFilesAtSource(dataSource.manager, lost.rawDataPackageId!, LIVE_COPY_STATUSES);
  if (!pkg) throw new HealRefusedError(`its package ${lost.rawDataPackageId} is not in the catalogue`);
  const source = await dataSource.manager.findOneOrFail(DataLocation, {
    where: { id: pkg.sourceId },
    relations: { site: true },
  });
  const sourceName = `${source.site!.shortName}/${source.name}`;
  if (source.siteId !== location.siteId)
    throw new HealRefusedError(`its source ${sourceName} is at another site than the lost copy`);
  if (pkg.atSource !== pkg.files)
    throw new HealRefusedError(
      `only ${pkg.atSource} of its ${pkg.files} files are still at ${sourceName} to pack it again from`,
    );
  const members = await packageMembers(dataSource.manager, lost.rawDataPackageId!);
  try {
    await writeTar(
      members,
      storage.backendFor(source),
      storage.backendFor(location),
      lost.relativePath,
      'its registration',
      sourceName,
      { size: lost.size, sha256: lost.sha256 },
    );
  } catch (err) {
    if (err instanceof SourceFileError)
      throw new HealRefusedError(`packing it again from ${sourceName} failed: ${err.message}`);
    if (err instanceof ChecksumMismatchError)
      throw new HealRefusedError(
        `packed again from ${sourceName}, the tar is not the recorded one (${err.message}); nothing was kept`,
      );
    throw err;
  }
  await storage.verify(location, lost.relativePath, { size: lost.size, sha256: lost.sha256 });
  return `its source files at ${sourceName}`;
}
