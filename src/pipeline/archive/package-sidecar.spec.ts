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
    id: '0b8f1e9a-2c4d-4e6f-8a1b-3c5d7e9f1a2b',
    name: 'u_pcam_280_001',
    relativePath: 'primecam/u/u_pcam_280_001.tar',
    size: 20480,
    sha256: 'a'.repeat(64),
    sequence: 1,
  },
  obsUnit: {
    id: '1c9a2f8b-3d5e-4f70-9b2c-4d6e8f0a2b3c',
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
      id: '2d0b3a9c-4e6f-4a81-8c3d-5e7f9a1b3c4d',
      path: 'b.fits',
      size: 2,
      sha256: 'b'.repeat(64),
      registeredAt: '2026-11-24T01:10:00.000Z',
      fileCreatedAt: null,
      fileType: 'fits',
      metadata: { scan: 2 },
    },
    {
      id: '3e1c4b0d-5f70-4b92-9d4e-6f8a0b2c4d5e',
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

  it('refuses what it could not rebuild from: not JSON, bad ids, unsafe paths, duplicates, no dates', () => {
    expect(() => parseSidecar(Buffer.from('{"format": '))).toThrow(/not JSON/);
    expect(() => parseSidecar(Buffer.from('[1]'))).toThrow(/not a JSON object/);
    const cases: [string, (s: PackageSidecar) => void][] = [
      ['package is malformed', (s) => (s.package.id = 'p1')],
      ['package.relativePath or size is malformed', (s) => (s.package.relativePath = '../x.tar')],
      ['obsUnit is malformed', (s) => (s.obsUnit.startedAt = 'yesterday')],
      ['files[0] is malformed', (s) => (s.files[0].path = '/etc/passwd')],
      ['a file path appears twice', (s) => (s.files[1].path = s.files[0].path)],
      ['archive is malformed', (s) => (s.archive = undefined as never)],
    ];
    for (const [problem, spoil] of cases) {
      const bad = sidecar();
      spoil(bad);
      expect(() => parseSidecar(Buffer.from(JSON.stringify(bad)))).toThrow(problem);
    }
  });

  it('lives beside its package tar', () => {
    expect(sidecarPath('primecam/u/p.tar')).toBe('primecam/u/p.tar.json');
  });
});
