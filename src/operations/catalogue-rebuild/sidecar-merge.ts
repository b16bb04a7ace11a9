import { PackageSidecar, SidecarFile } from '../../pipeline/archive/package-sidecar';

/** One archive's word on a package: its sidecar, where it was found, and the package object beside it. */
export interface ArchiveEvidence {
  /** `site/location` of the archive it was listed in. */
  location: string;
  locationId: number;
  sidecarPath: string;
  sidecar: PackageSidecar;
}

/** What every archive holding a package agrees on, ready to be written. */
export interface MergedPackage {
  package: PackageSidecar['package'];
  obsUnit: PackageSidecar['obsUnit'];
  instrument: string;
  instrumentModule: string;
  source: PackageSidecar['source'];
  files: SidecarFile[];
  copies: { location: string; locationId: number; archivedAt: string; sidecarPath: string }[];
}

export type MergeResult = { merged: MergedPackage } | { conflicts: string[] };

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Merges what several archives say about one package into one package, one row per file and one copy per
 * archive. The facts of the bytes (package and file ids, paths, sizes, checksums, provenance) must agree
 * exactly: any difference is a conflict for an operator, never resolved here. What may rightly change
 * between two archivings (the obs unit finished in between) is taken from the latest sidecar.
 */
export function mergeSidecars(evidence: ArchiveEvidence[]): MergeResult {
  if (evidence.length === 0) throw new Error('mergeSidecars needs at least one sidecar');
  const byTime = [...evidence].sort((a, b) => a.sidecar.archivedAt.localeCompare(b.sidecar.archivedAt));
  const latest = byTime[byTime.length - 1].sidecar;
  const [first, ...others] = evidence;
  const conflicts: string[] = [];
  const differ = (what: string, pick: (s: PackageSidecar) => unknown) => {
    for (const o of others) {
      if (!same(pick(first.sidecar), pick(o.sidecar))) {
        conflicts.push(
          `${what}: ${JSON.stringify(pick(first.sidecar))} in ${first.location}, ` +
            `${JSON.stringify(pick(o.sidecar))} in ${o.location}`,
        );
      }
    }
  };
  differ('package', (s) => s.package);
  differ('instrument', (s) => [s.instrument, s.instrumentModule]);
  differ('source', (s) => s.source);
  differ('obs unit', (s) => [s.obsUnit.id, s.obsUnit.name, s.obsUnit.startedAt]);
  differ('file ids', (s) => s.files.map((f) => f.id).sort());
  const filesOf = (s: PackageSidecar) => new Map(s.files.map((f) => [f.id, f]));
  const firstFiles = filesOf(first.sidecar);
  for (const o of others) {
    for (const [id, f] of filesOf(o.sidecar)) {
      const g = firstFiles.get(id);
      if (!g) continue; // already reported as differing file ids
      for (const field of ['path', 'size', 'sha256'] as const) {
        if (f[field] !== g[field]) {
          conflicts.push(
            `file ${g.path} (${id}): ${field} ${g[field]} in ${first.location}, ${f[field]} in ${o.location}`,
          );
        }
      }
    }
  }
  const locations = evidence.map((e) => e.location);
  if (new Set(locations).size !== locations.length) conflicts.push(`two sidecars in one archive`);
  if (conflicts.length) return { conflicts };
  return {
    merged: {
      package: latest.package,
      obsUnit: latest.obsUnit,
      instrument: latest.instrument,
      instrumentModule: latest.instrumentModule,
      source: latest.source,
      files: latest.files,
      copies: evidence.map((e) => ({
        location: e.location,
        locationId: e.locationId,
        archivedAt: e.sidecar.archivedAt,
        sidecarPath: e.sidecarPath,
      })),
    },
  };
}
