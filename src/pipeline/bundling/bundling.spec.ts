import { bundleWaitingPackages, WaitingPackage } from './bundling';

const NOW = Date.parse('2026-11-24T12:00:00Z');
const pkg = (
  id: string,
  size: number,
  minutesAgo: number,
  locationId = 1,
  urgentUnit: string | null = null,
): WaitingPackage => ({
  id,
  size,
  locationId,
  readyAt: new Date(NOW - minutesAgo * 60_000),
  urgentUnit,
});
const urgent = (id: string, size: number, minutesAgo: number, unit: string, locationId = 1) =>
  pkg(id, size, minutesAgo, locationId, unit);
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

  it('ships an urgent obs unit’s packages at once, in a bundle of their own, ahead of the others', () => {
    const waiting = [
      pkg('old', 10, 30),
      urgent('u1', 10, 0, 'unit-u'),
      pkg('new', 10, 1),
      urgent('u2', 10, 0, 'unit-u'),
    ];
    // The normal ones wait for the hour; the urgent unit's leave now, never mixed with them.
    expect(ids(bundleWaitingPackages(waiting, 100, 60 * 60_000, NOW))).toEqual([['u1', 'u2']]);
    // Once the normal ones may leave too, the urgent bundle still comes first.
    expect(ids(bundleWaitingPackages(waiting, 100, 0, NOW))).toEqual([
      ['u1', 'u2'],
      ['old', 'new'],
    ]);
  });

  it('keeps two urgent units apart and still cuts an urgent unit’s bundles at the size limit', () => {
    const waiting = [urgent('a1', 60, 2, 'a'), urgent('b1', 10, 2, 'b'), urgent('a2', 60, 1, 'a')];
    expect(ids(bundleWaitingPackages(waiting, 100, 60 * 60_000, NOW))).toEqual([['a1'], ['a2'], ['b1']]);
  });

  it('bundles an urgent unit at each buffer its packages wait in', () => {
    const bundles = bundleWaitingPackages(
      [urgent('x', 1, 0, 'u', 1), urgent('y', 1, 0, 'u', 2)],
      100,
      60 * 60_000,
      NOW,
    );
    expect(bundles.map((b) => [b.locationId, b.packages.map((p) => p.id)])).toEqual([
      [1, ['x']],
      [2, ['y']],
    ]);
  });
});
