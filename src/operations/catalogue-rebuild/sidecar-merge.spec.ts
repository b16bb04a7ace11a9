import { randomUUID } from 'node:crypto';
import { PackageSidecar, SIDECAR_FORMAT } from '../../pipeline/archive/package-sidecar';
import { ArchiveEvidence, mergeSidecars } from './sidecar-merge';

const ids = { pkg: randomUUID(), unit: randomUUID(), f1: randomUUID(), f2: randomUUID() };

function sidecar(site: string, archivedAt: string): PackageSidecar {
  return {
    format: SIDECAR_FORMAT,
    package: {
      id: ids.pkg,
      name: 'u_lfa_1',
      relativePath: 'chai/u/u_lfa_1.tar',
      size: 4096,
      sha256: 'a'.repeat(64),
      sequence: 1,
    },
    obsUnit: {
      id: ids.unit,
      name: 'field_1',
      startedAt: '2026-11-24T01:00:00.000Z',
      finishedAt: null,
      outcome: null,
      metadata: null,
    },
    instrument: 'chai',
    instrumentModule: 'lfa',
    source: { site: 'ccat', location: 'telescope_computer' },
    files: [
      {
        id: ids.f1,
        path: 'a.fits',
        size: 1,
        sha256: 'b'.repeat(64),
        registeredAt: '2026-11-24T01:01:00.000Z',
        fileCreatedAt: null,
        fileType: null,
        metadata: null,
      },
      {
        id: ids.f2,
        path: 'b.fits',
        size: 2,
        sha256: 'c'.repeat(64),
        registeredAt: '2026-11-24T01:02:00.000Z',
        fileCreatedAt: null,
        fileType: null,
        metadata: null,
      },
    ],
    archive: { site, location: 'lta' },
    archivedAt,
  };
}

const evidence = (site: string, locationId: number, s: PackageSidecar): ArchiveEvidence => ({
  location: `${site}/lta`,
  locationId,
  sidecarPath: `${s.package.relativePath}.json`,
  sidecar: s,
});

describe('mergeSidecars', () => {
  it('makes one package with one copy per archive; what may change between archivings comes from the latest', () => {
    const early = sidecar('cologne', '2026-11-24T01:30:00.000Z');
    const late = sidecar('us', '2026-11-24T03:00:00.000Z');
    late.obsUnit.finishedAt = '2026-11-24T02:00:00.000Z';
    late.obsUnit.outcome = 'success';
    // The order the archives were listed in does not matter.
    const result = mergeSidecars([evidence('us', 2, late), evidence('cologne', 1, early)]);
    if (!('merged' in result)) throw new Error(`conflicts: ${result.conflicts.join('; ')}`);
    expect(result.merged.package.id).toBe(ids.pkg);
    expect(result.merged.files.map((f) => f.id)).toEqual([ids.f1, ids.f2]);
    expect(result.merged.obsUnit).toMatchObject({
      finishedAt: '2026-11-24T02:00:00.000Z',
      outcome: 'success',
    });
    expect(result.merged.copies.map((c) => [c.location, c.locationId, c.archivedAt])).toEqual([
      ['us/lta', 2, '2026-11-24T03:00:00.000Z'],
      ['cologne/lta', 1, '2026-11-24T01:30:00.000Z'],
    ]);
  });

  it("reports two archives disagreeing about a file's checksum, the package or its files, and merges nothing", () => {
    const a = sidecar('cologne', '2026-11-24T01:30:00.000Z');
    const b = sidecar('us', '2026-11-24T03:00:00.000Z');
    b.files[1].sha256 = 'd'.repeat(64);
    const result = mergeSidecars([evidence('cologne', 1, a), evidence('us', 2, b)]);
    expect(result).toEqual({
      conflicts: [
        `file b.fits (${ids.f2}): sha256 ${'c'.repeat(64)} in cologne/lta, ${'d'.repeat(64)} in us/lta`,
      ],
    });

    const c = sidecar('us', '2026-11-24T03:00:00.000Z');
    c.package.sha256 = 'e'.repeat(64);
    c.files.pop();
    const conflicts = (
      mergeSidecars([evidence('cologne', 1, a), evidence('us', 2, c)]) as { conflicts: string[] }
    ).conflicts;
    expect(conflicts.map((x) => x.split(':')[0])).toEqual(['package', 'file ids']);
  });

  it('refuses two sidecars of one package in the same archive', () => {
    const a = sidecar('cologne', '2026-11-24T01:30:00.000Z');
    expect(mergeSidecars([evidence('cologne', 1, a), evidence('cologne', 1, a)])).toEqual({
      conflicts: ['two sidecars in one archive'],
    });
  });
});
