import { currentRate, HOUR_MS, HourRow, hourlySeries } from './hourly-series';

const t0 = Date.UTC(2026, 11, 5, 0);
const at = (hours: number) => new Date(t0 + hours * HOUR_MS);
/** A row of hour `h`: `safe` files safe at its last sample (1 kB each), `base` at its base. */
const row = (h: number, safe: number, base: number, backlog = 5): HourRow => ({
  hour: at(h),
  sampledAt: at(h + 0.9),
  filesTotal: safe + backlog,
  bytesTotal: (safe + backlog) * 1000,
  backlogFiles: backlog,
  backlogBytes: backlog * 1000,
  baseAt: at(h - 0.1),
  baseFilesSafe: base,
  baseBytesSafe: base * 1000,
});

describe('hourlySeries', () => {
  it('gives each hour what was made safe in it, and null for hours without a sample', () => {
    const series = hourlySeries([row(0, 10, 0), row(1, 25, 10), row(4, 40, 25)], at(0), 6);
    expect(series.map((p) => p.filesMadeSafe)).toEqual([10, 15, null, null, 15, null]);
    expect(series.map((p) => p.bytesMadeSafe)).toEqual([10_000, 15_000, null, null, 15_000, null]);
    expect(series.map((p) => p.backlogFiles)).toEqual([5, 5, null, null, 5, null]);
    expect(series.map((p) => p.hour)).toEqual([0, 1, 2, 3, 4, 5].map(at));
  });

  it('shows a package that stopped being safe in the backlog, not as negative work', () => {
    const [p] = hourlySeries([row(0, 8, 10, 7)], at(0), 1);
    expect(p).toMatchObject({ filesMadeSafe: 0, bytesMadeSafe: 0, backlogFiles: 7 });
  });
});

describe('currentRate', () => {
  it('measures from the base of the hour before the latest to the latest sample', () => {
    const rate = currentRate([row(0, 10, 0), row(1, 46, 10)], at(1.95))!;
    // 46 files from at(-0.1) to at(1.9): 2 hours.
    expect(rate.windowSeconds).toBe(7200);
    expect(rate.filesPerHour).toBeCloseTo(23);
    expect(rate.bytesPerSecond).toBeCloseTo((46 * 1000) / 7200);
  });

  it('falls back to the latest hour alone, and has no rate without a recent sample or over less than a minute', () => {
    expect(currentRate([row(3, 30, 12)], at(3.95))!.windowSeconds).toBe(3600);
    expect(currentRate([row(3, 30, 12)], at(6))).toBeNull();
    expect(currentRate([], at(0))).toBeNull();
    const fresh = { ...row(0, 0, 0), baseAt: at(0.9) };
    expect(currentRate([fresh], at(0.95))).toBeNull();
  });
});
