/** One row of pipeline_hour: the last sample taken in the hour, and the sample before the hour's first. */
export interface HourRow {
  hour: Date;
  sampledAt: Date;
  filesTotal: number;
  bytesTotal: number;
  backlogFiles: number;
  backlogBytes: number;
  baseAt: Date;
  baseFilesSafe: number;
  baseBytesSafe: number;
}

/** An hour of the charts; null where no sample was taken in it (the managers were not running). */
export interface HourPoint {
  hour: Date;
  filesMadeSafe: number | null;
  bytesMadeSafe: number | null;
  /** Files (and their bytes) not yet safe at the hour's last sample. */
  backlogFiles: number | null;
  backlogBytes: number | null;
}

export interface SafeRate {
  filesPerHour: number;
  bytesPerSecond: number;
  /** The span the rate was measured over: from the base of the previous hour to the latest sample. */
  windowSeconds: number;
}

export const HOUR_MS = 3_600_000;

const safeFiles = (r: HourRow) => r.filesTotal - r.backlogFiles;
const safeBytes = (r: HourRow) => r.bytesTotal - r.backlogBytes;

/**
 * `hours` consecutive hours from `from` (an hour boundary), each with what was made safe in it: the safe
 * total at its last sample less that at its base. Work done while no sample was taken shows in the first
 * hour sampled after the gap. A package that stops being safe (a copy found LOST) raises the backlog; it
 * is not shown as negative work.
 */
export function hourlySeries(rows: HourRow[], from: Date, hours: number): HourPoint[] {
  const byHour = new Map(rows.map((r) => [r.hour.getTime(), r]));
  return Array.from({ length: hours }, (_, i) => {
    const hour = new Date(from.getTime() + i * HOUR_MS);
    const r = byHour.get(hour.getTime());
    if (!r) return { hour, filesMadeSafe: null, bytesMadeSafe: null, backlogFiles: null, backlogBytes: null };
    return {
      hour,
      filesMadeSafe: Math.max(0, safeFiles(r) - r.baseFilesSafe),
      bytesMadeSafe: Math.max(0, safeBytes(r) - r.baseBytesSafe),
      backlogFiles: r.backlogFiles,
      backlogBytes: r.backlogBytes,
    };
  });
}

/**
 * The current rate of making files safe: from the base of the hour before the latest (or of the latest
 * hour, when there is none) to the latest sample, so over one to two hours once the history is that long.
 * Null without a sample in the last two hours, or over less than a minute.
 */
export function currentRate(rows: HourRow[], now: Date): SafeRate | null {
  const latest = rows.at(-1);
  if (!latest || now.getTime() - latest.sampledAt.getTime() > 2 * HOUR_MS) return null;
  const before = rows.find((r) => r.hour.getTime() === latest.hour.getTime() - HOUR_MS) ?? latest;
  const seconds = (latest.sampledAt.getTime() - before.baseAt.getTime()) / 1000;
  if (seconds < 60) return null;
  return {
    filesPerHour: (Math.max(0, safeFiles(latest) - before.baseFilesSafe) * 3600) / seconds,
    bytesPerSecond: Math.max(0, safeBytes(latest) - before.baseBytesSafe) / seconds,
    windowSeconds: Math.round(seconds),
  };
}
