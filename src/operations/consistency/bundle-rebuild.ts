import { DataSource } from 'typeorm';
import { DataLocation } from '../../catalog/locations/data-location.entity';
import { SourceFileError, writeTar } from '../../pipeline/packaging/package-archive';
import { PhysicalCopy } from '../../catalog/physical-copies/physical-copy.entity';
import { ChecksumMismatchError } from '../../engine/storage/storage-errors';
import { StorageService } from '../../engine/storage/storage.service';
import { bundleHeader, bundleMembers } from '../../pipeline/bundling/data-transfer-package.queries';
import { HealRefusedError } from './package-repack';

/**
 * Writes a lost bundle copy again from its package tars at the same location (a bundle is only a tar of
 * them, laid out from the database: bundleMembers), each package checked against its record as it is
 * read, and kept only if the bundle comes out byte for byte the recorded one: a destination that already
 * holds part of it, or all of it, holds the same bytes. Returns where it came from.
 */
export async function rebuildBundle(
  dataSource: DataSource,
  storage: StorageService,
  lost: PhysicalCopy,
  location: DataLocation,
): Promise<string> {
  const bundle = await bundleHeader(dataSource.manager, lost.dataTransferPackageId!);
  if (!bundle) throw new HealRefusedError(`its bundle ${lost.dataTransferPackageId} is not in the catalogue`);
  const members = await bundleMembers(dataSource.manager, lost.dataTransferPackageId!, location.id);
  const where = `its ${members.length} package tars at ${location.name}`;
  if (members.length !== bundle.packageCount)
    throw new HealRefusedError(
      `bundle ${bundle.name}: only ${members.length} of its ${bundle.packageCount} package tars are at ${location.name} to write it again from`,
    );
  const backend = storage.backendFor(location);
  try {
    await writeTar(members, backend, backend, lost.relativePath, 'it was recorded', location.name, {
      size: lost.size,
      sha256: lost.sha256,
    });
  } catch (err) {
    if (err instanceof SourceFileError)
      throw new HealRefusedError(`writing bundle ${bundle.name} again from ${where} failed: ${err.message}`);
    if (err instanceof ChecksumMismatchError)
      throw new HealRefusedError(
        `bundle ${bundle.name}, written again from ${where}, is not the recorded one (${err.message}); nothing was kept`,
      );
    throw err;
  }
  await storage.verify(location, lost.relativePath, { size: lost.size, sha256: lost.sha256 });
  return where;
}
