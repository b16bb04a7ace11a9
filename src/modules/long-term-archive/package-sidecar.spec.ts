import {
  PackageSidecar,
  parseSidecar,
  serializeSidecar,
  SIDECAR_FORMAT,
  sidecarPath,
} from './package-sidecar';

const sidecar = (): PackageSidecar => ({
  format: SIDECAR_FORMAT,
  package: {
    id: 'p1',
    name: 'u_pcam_280_001',
    relativePath: 'primecam/u/u_pcam_280_001.tar',
    size: 20480,
    sha256: 'a'.repeat(64),
    sequence: 1,
  },
  obsUnit: {
    id: 'u',
    name: 'deep_field_3',
    startedAt: '2026-11-24T01:00:00.000Z',
    finishedAt: '2026-11-24T02:00:00.000Z',
    outcome: 'success',
    metadata: null,
  },
  instrument: 'primecam',
  instrumentModule: 'pcam_280',
  source: { site: 'ccat', location: 'telescope_computer' },
  files: [
    {
      id: 'f2',
      path: 'b.fits',
      size: 2,
      sha256: 'b'.repeat(64),
      registeredAt: '2026-11-24T01:10:00.000Z',
      fileCreatedAt: null,
      fileType: 'fits',
      metadata: { scan: 2 },
    },
    {
      id: 'f1',
      path: 'a.fits',
      size: 1,
      sha256: 'c'.repeat(64),
      registeredAt: '2026-11-24T01:05:00.000Z',
      fileCreatedAt: null,
      fileType: null,
      metadata: null,
    },
  ],
  archive: { site: 'cologne', location: 'lta' },
  archivedAt: '2026-11-24T03:00:00.000Z',
});

describe('package sidecar', () => {
  it('serializes the same package to the same bytes, files in path order, and reads it back', () => {
    const a = serializeSidecar(sidecar());
    const reordered = sidecar();
    reordered.files.reverse();
    expect(serializeSidecar(reordered).equals(a)).toBe(true);
    const back = parseSidecar(a);
    expect(back.files.map((f) => f.path)).toEqual(['a.fits', 'b.fits']);
    expect(back.package.sha256).toBe('a'.repeat(64));
  });

  it('refuses a sidecar of another format or with malformed checksums', () => {
    expect(() => parseSidecar(Buffer.from(JSON.stringify({ ...sidecar(), format: 'other/v9' })))).toThrow(
      /format/,
    );
    const bad = sidecar();
    bad.files[0].sha256 = 'xyz';
    expect(() => parseSidecar(serializeSidecar(bad))).toThrow(/files\[\d\] is malformed/);
  });

  it('lives beside its package tar', () => {
    expect(sidecarPath('primecam/u/p.tar')).toBe('primecam/u/p.tar.json');
  });
});
