import { SiteBacklog } from './archive-replication.queries';
import {
  count,
  decimalBytes,
  etaSeconds,
  EVERY_SITE_HOLDS_ALL,
  pauseLine,
  replicationProgress,
  roughly,
} from './replication-progress';

const TB = 1e12;
const site = (over: Partial<SiteBacklog> = {}): SiteBacklog => ({
  siteId: 3,
  site: 'us',
  locations: ['lta'],
  total: 5000,
  lacking: 3766,
  bytesToGo: 2.1 * TB,
  open: 0,
  failed: 0,
  bytesLastHour: 0,
  ...over,
});

describe('replication progress, as status, the overview and the console show it', () => {
  it('writes counts, bytes and durations for people', () => {
    expect(count(1234)).toBe('1,234');
    expect(count(5_000_000)).toBe('5,000,000');
    expect(count(12)).toBe('12');
    expect(decimalBytes(2.1 * TB)).toBe('2.1 TB');
    expect(decimalBytes(1536)).toBe('1.5 kB');
    expect(decimalBytes(999)).toBe('999 B');
    expect(roughly(30)).toBe('under a minute');
    expect(roughly(20 * 60)).toBe('about 20 minutes');
    expect(roughly(3600)).toBe('about 1 hour');
    expect(roughly(5 * 3600)).toBe('about 5 hours');
    expect(roughly(3 * 86_400)).toBe('about 3 days');
  });

  it('expects the time to go from the daily cap when one is set, else from the last hour, else not at all', () => {
    expect(etaSeconds(2.1 * TB, 0.7 * TB, 50e9)).toBeCloseTo(3 * 86_400);
    expect(etaSeconds(100e9, 0, 50e9)).toBeCloseTo(2 * 3600);
    expect(etaSeconds(100e9, 0, 0)).toBeNull();
    expect(etaSeconds(0, 0, 0)).toBe(0);
  });

  it('gives each site with something to go its line, and leaves out the sites that hold everything', () => {
    const p = replicationProgress(
      [site(), site({ siteId: 2, site: 'cologne', lacking: 0, bytesToGo: 0 })],
      [],
      0.7 * TB,
    );
    expect(p.sites.map((s) => s.site)).toEqual(['us']);
    expect(p.sites[0].held).toBe(1234);
    expect(p.summary).toEqual(['us/lta: 1,234 of 5,000 packages, 2.1 TB to go, about 3 days']);
  });

  it('says a paused site is paused, a site with no recent rate so, and shows open and failed work', () => {
    const since = new Date('2026-12-06T03:00:00Z');
    const pauses = [{ site: 'us', since, by: 'cli:ops', reason: 'link maintenance' }];
    const p = replicationProgress([site({ open: 12, failed: 1 }), site({ site: 'x', siteId: 9 })], pauses, 0);
    expect(p.summary).toEqual([
      'us/lta: 1,234 of 5,000 packages, 2.1 TB to go, paused (12 transfers open, 1 FAILED)',
      'x/lta: 1,234 of 5,000 packages, 2.1 TB to go, no progress in the last hour',
    ]);
    expect(pauseLine(pauses[0])).toBe(
      'replication into us PAUSED since 2026-12-06T03:00:00.000Z by cli:ops: link maintenance',
    );
    // A pause of every site holds each of them.
    const all = replicationProgress([site()], [{ ...pauses[0], site: null, reason: null }], 0);
    expect(all.sites[0].paused?.site).toBeNull();
    expect(all.summary[0]).toMatch(/, paused$/);
  });

  it('says so when every archive site holds every archived package', () => {
    expect(replicationProgress([site({ lacking: 0, bytesToGo: 0 })], [], 0).summary).toEqual([
      EVERY_SITE_HOLDS_ALL,
    ]);
  });
});

describe('retiring archives in the replication summary', () => {
  const base = { location: 'cologne/lta', removed: 0, emptyingSince: null, emptyingBy: null };
  it('says what a retiring archive holds and what still depends on it, then its emptying, then that it is done', () => {
    const lines = replicationProgress([], [], 0, [
      { ...base, held: 16, depending: 4 },
      {
        ...base,
        location: 'us/old',
        held: 3,
        depending: 0,
        removed: 13,
        emptyingSince: new Date('2026-12-06T06:00:00Z'),
        emptyingBy: 'cli:ops',
      },
      { ...base, location: 'bonn/lta', held: 0, depending: 0, removed: 9 },
    ]).summary;
    expect(lines).toEqual([
      EVERY_SITE_HOLDS_ALL,
      'cologne/lta retiring: 16 package copies held, 4 still depend on it',
      'us/old being emptied since 2026-12-06T06:00:00.000Z by cli:ops: 3 package copies held, none depends on it, 13 removed',
      'bonn/lta retired: nothing held any more (9 removed); it may be set inactive',
    ]);
  });
});
