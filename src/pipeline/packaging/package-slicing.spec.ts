import { sliceIntoPackages } from './package-slicing';
import { UnpackagedFile } from '../ingest/unpackaged-files.queries';

const file = (path: string, size: number, over: Partial<UnpackagedFile> = {}): UnpackagedFile => ({
  id: path,
  unitId: 'u1',
  moduleId: 1,
  module: 'pcam_280',
  instrument: 'primecam',
  locationId: 1,
  size,
  path,
  ...over,
});

describe('sliceIntoPackages', () => {
  it('keeps each (obs unit, module, location) apart', () => {
    const slices = sliceIntoPackages(
      [
        file('a', 1),
        file('b', 1, { moduleId: 2 }),
        file('c', 1, { unitId: 'u2' }),
        file('d', 1, { unitId: 'u2' }),
      ],
      100,
    );
    expect(slices.map((s) => s.files.map((f) => f.path))).toEqual([['a'], ['b'], ['c', 'd']]);
  });

  it('cuts at the size limit and never exceeds it with more than one file', () => {
    const slices = sliceIntoPackages([file('a', 40), file('b', 40), file('c', 40), file('d', 10)], 100);
    expect(slices.map((s) => [s.files.map((f) => f.path).join(''), s.bytes])).toEqual([
      ['ab', 80],
      ['cd', 50],
    ]);
  });

  it('ships a file larger than the limit alone', () => {
    const slices = sliceIntoPackages([file('a', 10), file('huge', 500), file('b', 10)], 100);
    expect(slices.map((s) => s.files.map((f) => f.path))).toEqual([['a'], ['huge'], ['b']]);
  });
});
