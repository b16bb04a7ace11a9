import { isTemporaryPath } from './site-reads';

describe('isTemporaryPath', () => {
  it.each([
    ['transfer/.bundle_1.tar.0a1b2c3d4e5f.part', true],
    ['transfer/.bundle_1.tar.resume', true],
    ['transfer/.bundle_1.tar.resume.json', true],
    ['transfer/bundle_1.tar.part', true],
    ['.ccat-doctor/probe', true],
    ['primecam/.hidden/x.tar', true],
    ['transfer/bundle_1.tar', false],
    ['primecam/unit/pcam_280_001.tar', false],
    ['primecam/unit.partial/x.tar', false],
  ])('%s: %s', (path, temporary) => {
    expect(isTemporaryPath(path)).toBe(temporary);
  });
});
