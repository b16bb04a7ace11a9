import { isSafeSql } from '../../src/catalog/physical-copies/package-safety';
import { Client } from 'pg';

/** How far the pipeline has come, read from the database in one query. */
export interface PipelineCounts {
  files: number;
  fileBytes: number;
  filesPackaged: number;
  packages: number;
  packagesBundled: number;
  bundles: number;
  bundleBytes: number;
  bytesMoved: number;
  transfers: number;
  unpacked: number;
  archiveCopies: number;
  /** Files whose package is archived and verified at every archive site. */
  filesSafe: number;
  /** Copies at SOURCE and BUFFER locations (files, packages, bundles), and how many were deleted. */
  temporaryCopies: number;
  temporaryCopiesFreed: number;
}

export async function readCounts(db: Client, archiveSites: number): Promise<PipelineCounts> {
  const { rows } = await db.query(
    `SELECT
       (SELECT count(*) FROM raw_data_file)::int AS files,
       (SELECT coalesce(sum(size), 0) FROM raw_data_file)::bigint AS "fileBytes",
       (SELECT count(*) FROM raw_data_file f JOIN raw_data_package p ON p.id = f.raw_data_package_id
         WHERE p.status = 'completed')::int AS "filesPackaged",
       (SELECT count(*) FROM raw_data_package)::int AS packages,
       (SELECT count(*) FROM raw_data_package p JOIN data_transfer_package d ON d.id = p.data_transfer_package_id
         WHERE d.status = 'completed')::int AS "packagesBundled",
       (SELECT count(*) FROM data_transfer_package WHERE status = 'completed')::int AS bundles,
       (SELECT coalesce(sum(size), 0) FROM data_transfer_package WHERE status = 'completed')::bigint AS "bundleBytes",
       (SELECT coalesce(sum(bytes_transferred), 0) FROM data_transfer WHERE status = 'completed')::bigint AS "bytesMoved",
       (SELECT count(*) FROM data_transfer)::int AS transfers,
       (SELECT count(*) FROM data_transfer WHERE unpack_status = 'completed')::int AS unpacked,
       (SELECT count(*) FROM physical_copy c JOIN data_location l ON l.id = c.location_id
         WHERE c.kind = 'raw_data_package' AND l.location_type = 'long_term_archive' AND c.status = 'present')::int
         AS "archiveCopies",
       (SELECT count(*) FROM raw_data_file f JOIN raw_data_package p ON p.id = f.raw_data_package_id
         WHERE ${isSafeSql('p', '$1')})::int AS "filesSafe",
       (SELECT count(*) FROM physical_copy c JOIN data_location l ON l.id = c.location_id
         WHERE l.location_type IN ('source', 'buffer'))::int AS "temporaryCopies",
       (SELECT count(*) FROM physical_copy c JOIN data_location l ON l.id = c.location_id
         WHERE l.location_type IN ('source', 'buffer') AND c.status = 'deleted')::int AS "temporaryCopiesFreed"`,
    [archiveSites],
  );
  const r = rows[0];
  return {
    ...r,
    fileBytes: Number(r.fileBytes),
    bundleBytes: Number(r.bundleBytes),
    bytesMoved: Number(r.bytesMoved),
  };
}

/** Every row that ended in FAILED, with its reason: what an operator looks at first. */
export async function readFailures(db: Client): Promise<{ table: string; what: string; reason: string }[]> {
  const { rows } = await db.query(
    `SELECT 'raw_data_package' AS "table", name AS what, failure_reason AS reason FROM raw_data_package WHERE status = 'failed'
     UNION ALL SELECT 'data_transfer_package', name, failure_reason FROM data_transfer_package WHERE status = 'failed'
     UNION ALL SELECT 'data_transfer', id::text, failure_reason FROM data_transfer
                WHERE status = 'failed' OR unpack_status = 'failed'
     UNION ALL SELECT 'long_term_archive_transfer', id::text, failure_reason FROM long_term_archive_transfer
                WHERE status = 'failed'`,
  );
  return rows;
}

export const human = (n: number): string =>
  n >= 1024 ** 3
    ? `${(n / 1024 ** 3).toFixed(2)} GiB`
    : n >= 1024 ** 2
      ? `${(n / 1024 ** 2).toFixed(1)} MiB`
      : n >= 1024
        ? `${(n / 1024).toFixed(1)} KiB`
        : `${n} B`;

function bar(done: number, total: number, width = 28): string {
  const fraction = total > 0 ? Math.min(1, done / total) : 0;
  const full = Math.round(fraction * width);
  return `${'█'.repeat(full)}${'░'.repeat(width - full)} ${String(Math.floor(fraction * 100)).padStart(3)}%`;
}

/** One bar per stage; the denominators are what that stage will have to do once the night is in. */
export function renderStages(c: PipelineCounts, archiveSites: number): string[] {
  const line = (label: string, done: number, total: number, detail: string) =>
    `  ${label.padEnd(34)} ${bar(done, total)}  ${detail}`;
  return [
    line('1 packed and verified (ccat)', c.filesPackaged, c.files, `${c.filesPackaged}/${c.files} files`),
    line(
      '2 bundled for transfer',
      c.packagesBundled,
      c.packages,
      `${c.packagesBundled}/${c.packages} packages`,
    ),
    line(
      `3 transferred over http (x${archiveSites})`,
      c.bytesMoved,
      c.bundleBytes * archiveSites,
      `${human(c.bytesMoved)}/${human(c.bundleBytes * archiveSites)}`,
    ),
    line(
      '4 unpacked and verified',
      c.unpacked,
      c.bundles * archiveSites,
      `${c.unpacked}/${c.bundles * archiveSites} bundle copies`,
    ),
    line(
      '5 archived in S3 and read back',
      c.archiveCopies,
      c.packages * archiveSites,
      `${c.archiveCopies}/${c.packages * archiveSites} package copies`,
    ),
    line(
      `  files safe at ${archiveSites} archive sites`,
      c.filesSafe,
      c.files,
      `${c.filesSafe}/${c.files} files`,
    ),
    line(
      '7 source and buffers freed',
      c.temporaryCopiesFreed,
      c.temporaryCopies,
      `${c.temporaryCopiesFreed}/${c.temporaryCopies} copies deleted`,
    ),
  ];
}

/**
 * Draws the stage bars: in place on a terminal, and as a block every few seconds (only when something
 * changed) when the output goes to a log.
 */
export class ProgressDisplay {
  private drawn = 0;
  private lastText = '';
  private lastPrinted = 0;

  constructor(private readonly out: NodeJS.WriteStream = process.stdout) {}

  show(lines: string[], final = false): void {
    const text = lines.join('\n');
    if (this.out.isTTY) {
      if (this.drawn) this.out.write(`\x1b[${this.drawn}A`);
      this.out.write(lines.map((l) => `\x1b[2K${l}\n`).join(''));
      this.drawn = lines.length;
      return;
    }
    const due = Date.now() - this.lastPrinted >= 5000;
    if (text !== this.lastText && (due || final)) {
      this.out.write(`${text}\n\n`);
      this.lastText = text;
      this.lastPrinted = Date.now();
    }
  }
}
