import { UnpackagedFile } from '../ingest/unpackaged-files.queries';

export interface PackageSlice {
  unitId: string;
  moduleId: number;
  module: string;
  instrument: string;
  locationId: number;
  files: UnpackagedFile[];
  bytes: number;
}

/**
 * Groups files by (obs unit, instrument module, source location), in path order, and cuts each group into
 * slices of at most `maxBytes`. A single file larger than the limit gets a slice of its own rather than
 * never shipping.
 */
export function sliceIntoPackages(files: UnpackagedFile[], maxBytes: number): PackageSlice[] {
  const slices: PackageSlice[] = [];
  let current: PackageSlice | undefined;
  for (const file of files) {
    const sameGroup =
      current &&
      current.unitId === file.unitId &&
      current.moduleId === file.moduleId &&
      current.locationId === file.locationId;
    if (!current || !sameGroup || (current.files.length > 0 && current.bytes + file.size > maxBytes)) {
      current = {
        unitId: file.unitId,
        moduleId: file.moduleId,
        module: file.module,
        instrument: file.instrument,
        locationId: file.locationId,
        files: [],
        bytes: 0,
      };
      slices.push(current);
    }
    current.files.push(file);
    current.bytes += file.size;
  }
  return slices;
}
