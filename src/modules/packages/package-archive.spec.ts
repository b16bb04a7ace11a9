import { changedSourceFile } from './package-archive';

describe('changedSourceFile', () => {
  it('names the file a packaging failure found changed or missing at its source, through operator resets', () => {
    const changed =
      'primecam/u1/pcam_280/scan_0.fits changed on disk /data/ccat/telescope_computer since its registration: disk …';
    expect(changedSourceFile(changed)).toBe('primecam/u1/pcam_280/scan_0.fits');
    expect(changedSourceFile(`reset by token:ops after: ${changed}`)).toBe('primecam/u1/pcam_280/scan_0.fits');
    expect(changedSourceFile('a/b.fits is recorded but missing from disk /data/ccat/telescope_computer')).toBe(
      'a/b.fits',
    );
  });

  it('names none for other failures', () => {
    expect(changedSourceFile('no buffer at the source site can take data: none is active')).toBeNull();
    expect(changedSourceFile(null)).toBeNull();
  });
});
