import { bundleWaitingPackages, WaitingPackage } from './bundling';

const NOW = Date.parse('2026-11-24T12:00:00Z');
const pkg = (id: string, size: number, minutesAgo: number, locationId = 1): WaitingPackage => ({
  id,
  size,
  locationId,
  readyAt: new Date(NOW - minutesAgo * 60_000),
});
const ids = (bundles: ReturnType<typeof bundleWaitingPackages>) =>
  bundles.map((b) => b.packages.map((p) => p.id));

describe('bundleWaitingPackages', () => {
  it('ships full bundles at once and keeps the open one until it has waited long enough', () => {
    const waiting = [pkg('a', 40, 3), pkg('b', 40, 2), pkg('c', 40, 1)];
    expect(ids(bundleWaitingPackages(waiting, 100, 60 * 60_000, NOW))).toEqual([['a', 'b']]);
    expect(ids(bundleWaitingPackages(waiting, 100, 2 * 60_000, NOW))).toEqual([['a', 'b']]);
    expect(ids(bundleWaitingPackages(waiting, 100, 60_000, NOW))).toEqual([['a', 'b'], ['c']]);
  });

  it('ships a quiet night after the maximum wait, oldest first', () => {
    expect(ids(bundleWaitingPackages([pkg('y', 1, 61), pkg('x', 1, 90)], 100, 60 * 60_000, NOW))).toEqual([
      ['x', 'y'],
    ]);
    expect(bundleWaitingPackages([pkg('x', 1, 10)], 100, 60 * 60_000, NOW)).toEqual([]);
  });

  it('keeps buffers apart and lets a package larger than the limit go alone', () => {
    const bundles = bundleWaitingPackages(
      [pkg('a', 500, 5), pkg('b', 10, 4), pkg('c', 10, 4, 2)],
      100,
      0,
      NOW,
    );
    expect(bundles.map((b) => [b.locationId, b.packages.map((p) => p.id)])).toEqual([
      [1, ['a']],
      [1, ['b']],
      [2, ['c']],
    ]);
  });
});
