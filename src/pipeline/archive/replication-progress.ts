import { SiteBacklog } from './archive-replication.queries';
import { RetiringArchive, retiringLine } from './retirement/retirement.queries';

/** Who paused replication (into one site or all), when and why. */
export interface ReplicationPause {
  /** A site's short name, or null for every site. */
  site: string | null;
  since: Date;
  by: string;
  reason: string | null;
}

/** One archive site's backfill, as status, the overview and the console show it. */
export interface SiteReplicationProgress extends SiteBacklog {
  /** Archived packages it holds (total less lacking). */
  held: number;
  /** Its own pause or the one of every site; null if replication runs into it. */
  paused: ReplicationPause | null;
  /** Seconds until the backlog is in, at the daily cap or else the last hour's rate; null if unknown. */
  etaSeconds: number | null;
  /** e.g. "us/lta: 1,234 of 5,000 packages, 2.1 TB to go, about 3 days". */
  summary: string;
}

export interface ReplicationProgress {
  /** The sites with something to go (packages lacking, transfers open or failed). */
  sites: SiteReplicationProgress[];
  /** The pauses in force, every site's first. */
  pauses: ReplicationPause[];
  /** The archive locations being retired: what they still hold, and what still depends on them. */
  retiring: RetiringArchive[];
  /** One line per site with something to go (or the line that says none has), then one per retiring archive. */
  summary: string[];
}

const DAY = 86_400;
export const EVERY_SITE_HOLDS_ALL = 'every archive site holds every archived package';

/** Thousands separated by commas, whatever the locale of the process. */
export const count = (n: number) =>
  Math.round(n)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** Decimal units, as disks and links are sold: "2.1 TB". */
export function decimalBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return i === 0 ? `${n} B` : `${n.toFixed(1)} ${units[i]}`;
}

/** A rough duration: "about 3 days", "about 5 hours", "about 20 minutes", "under a minute". */
export function roughly(seconds: number): string {
  const plural = (n: number, unit: string) => `about ${n} ${unit}${n === 1 ? '' : 's'}`;
  if (seconds < 60) return 'under a minute';
  if (seconds < 3600) return plural(Math.round(seconds / 60), 'minute');
  if (seconds < 2 * DAY) return plural(Math.round(seconds / 3600), 'hour');
  return plural(Math.round(seconds / DAY), 'day');
}

/**
 * Seconds until `bytesToGo` are in: at the daily cap when one is set (the cap is what paces a backfill),
 * else at the rate of the last hour; null when nothing moved in that hour (no rate to go by).
 */
export function etaSeconds(bytesToGo: number, bytesPerDay: number, bytesLastHour: number): number | null {
  if (bytesToGo <= 0) return 0;
  if (bytesPerDay > 0) return (bytesToGo / bytesPerDay) * DAY;
  if (bytesLastHour > 0) return (bytesToGo / bytesLastHour) * 3600;
  return null;
}

/** The pause that holds site `site`: every site's, else its own. */
export function pauseOf(site: string, pauses: ReplicationPause[]): ReplicationPause | null {
  return pauses.find((p) => p.site === null) ?? pauses.find((p) => p.site === site) ?? null;
}

/** The backlog as each view shows it: sites with something to go, each with its line. */
export function replicationProgress(
  backlog: SiteBacklog[],
  pauses: ReplicationPause[],
  bytesPerDay: number,
  retiring: RetiringArchive[] = [],
): ReplicationProgress {
  const sites = backlog
    .filter((b) => b.lacking > 0 || b.open > 0 || b.failed > 0)
    .map((b) => {
      const paused = pauseOf(b.site, pauses);
      const eta = etaSeconds(b.bytesToGo, bytesPerDay, b.bytesLastHour);
      const progress = { ...b, held: Math.max(0, b.total - b.lacking), paused, etaSeconds: eta };
      return { ...progress, summary: siteLine(progress) };
    });
  const siteLines = sites.length ? sites.map((s) => s.summary) : [EVERY_SITE_HOLDS_ALL];
  return { sites, pauses, retiring, summary: [...siteLines, ...retiring.map(retiringLine)] };
}

function siteLine(p: Omit<SiteReplicationProgress, 'summary'>): string {
  const where = p.locations.map((l) => `${p.site}/${l}`).join(', ');
  const when = p.paused
    ? 'paused'
    : p.etaSeconds === null
      ? 'no progress in the last hour'
      : roughly(p.etaSeconds);
  const transfers = (n: number) => `${count(n)} transfer${n === 1 ? '' : 's'}`;
  const work = [p.open ? `${transfers(p.open)} open` : '', p.failed ? `${count(p.failed)} FAILED` : '']
    .filter(Boolean)
    .join(', ');
  return (
    `${where}: ${count(p.held)} of ${count(p.total)} packages, ${decimalBytes(p.bytesToGo)} to go, ${when}` +
    (work ? ` (${work})` : '')
  );
}

/** "replication into us paused since … by …: why", for a pause's banner. */
export function pauseLine(p: ReplicationPause): string {
  return (
    `replication ${p.site === null ? 'into every archive site' : `into ${p.site}`} PAUSED since ` +
    `${p.since.toISOString()} by ${p.by}${p.reason ? `: ${p.reason}` : ''}`
  );
}
