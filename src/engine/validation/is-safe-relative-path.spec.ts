import { unsafeRelativePathReason } from './is-safe-relative-path';

describe('unsafeRelativePathReason', () => {
  it.each(['a.fits', 'night/2026-11-24/obs_001/scan:12.fits', 'deep/er/path/x'])('accepts %s', (p) => {
    expect(unsafeRelativePathReason(p)).toBeNull();
  });

  it.each([
    ['/etc/passwd', /absolute/],
    ['../x', /\.\./],
    ['a/../../x', /\.\./],
    ['a//b', /empty/],
    ['./a', /\. segments/],
    ['a\\b', /separator/],
    ['C:/x', /drive/],
    ['a\u0000b', /control/],
    ['', /non-empty/],
  ])('refuses %j', (p, why) => {
    expect(unsafeRelativePathReason(p)).toMatch(why);
  });
});
