import { printTable } from '../../src/engine/report/report-table';
import { Client } from 'pg';
import { ArchiveProof } from './archive-proof';
import { human, readFailures } from './pipeline-progress';

/** Which way each bundle went: out of the observatory once, then from the first archive site onwards. */
export async function printRoutes(db: Client): Promise<void> {
  const { rows } = await db.query(
    `SELECT d.name AS bundle, os.short_name || '/' || o.name AS "from", ds.short_name || '/' || dl.name AS "to",
            t.method, t.bytes_transferred AS bytes, t.status, t.unpack_status AS unpack, t.retry_count AS retries
       FROM data_transfer t JOIN data_transfer_package d ON d.id = t.data_transfer_package_id
       JOIN data_location o ON o.id = t.origin_location_id JOIN site os ON os.id = o.site_id
       JOIN data_location dl ON dl.id = t.destination_location_id JOIN site ds ON ds.id = dl.site_id
      ORDER BY d.created_at, t.created_at`,
  );
  printTable(rows.map((r) => ({ ...r, bytes: human(Number(r.bytes)) })));
}

/** Copies per site and location, held (present or staged) and deleted, by kind. */
export async function printCopies(db: Client): Promise<void> {
  const { rows } = await db.query(
    `SELECT s.short_name || '/' || l.name AS location, l.location_type AS type, c.kind,
            count(*) FILTER (WHERE c.status = 'present')::int AS present,
            count(*) FILTER (WHERE c.status = 'staged')::int AS staged,
            coalesce(sum(c.size) FILTER (WHERE c.status IN ('present', 'staged')), 0)::bigint AS "bytes held",
            count(*) FILTER (WHERE c.status = 'deleted')::int AS deleted
       FROM physical_copy c JOIN data_location l ON l.id = c.location_id JOIN site s ON s.id = l.site_id
      GROUP BY s.short_name, l.name, l.location_type, c.kind ORDER BY s.short_name, l.name, c.kind`,
  );
  printTable(rows.map((r) => ({ ...r, 'bytes held': human(Number(r['bytes held'])) })));
}

/** How many SHA-256 checks the pipeline made on the way, counted from what its rows record. */
async function pipelineChecks(db: Client): Promise<Record<string, number>> {
  const { rows } = await db.query(
    `SELECT
       (SELECT count(*) FROM raw_data_file f JOIN raw_data_package p ON p.id = f.raw_data_package_id
         WHERE p.status = 'completed')::int AS packing,
       (SELECT count(*) FROM data_transfer WHERE status = 'completed')::int AS transfer,
       (SELECT coalesce(sum(d.package_count + (SELECT count(*) FROM raw_data_file f JOIN raw_data_package p
                 ON p.id = f.raw_data_package_id WHERE p.data_transfer_package_id = d.id)), 0)
          FROM data_transfer t JOIN data_transfer_package d ON d.id = t.data_transfer_package_id
         WHERE t.unpack_status = 'completed')::int AS unpack,
       (SELECT 2 * count(*) FROM long_term_archive_transfer WHERE status = 'completed')::int AS "archive readback"`,
  );
  return rows[0];
}

export interface RunSummary {
  files: { path: string; size: number }[];
  seconds: number;
  archiveSites: string[];
  proof: ArchiveProof;
}

export async function printSummary(db: Client, run: RunSummary): Promise<void> {
  const bytes = run.files.reduce((s, f) => s + f.size, 0);
  const checks = await pipelineChecks(db);
  const { rows } = await db.query(
    `SELECT (SELECT count(*) FROM raw_data_package)::int AS packages,
            (SELECT count(*) FROM data_transfer_package)::int AS bundles,
            (SELECT coalesce(sum(bytes_transferred), 0) FROM data_transfer WHERE method = 'http')::bigint AS http`,
  );
  const at = (site: string) => run.files.filter((f) => run.proof.sitesByPath.get(f.path)?.has(site)).length;
  const table: Record<string, string> = {
    files: `${run.files.length}`,
    bytes: human(bytes),
    'raw data packages': `${rows[0].packages}`,
    'transfer bundles': `${rows[0].bundles}`,
    'bytes moved over http': human(Number(rows[0].http)),
    ...Object.fromEntries(
      run.archiveSites.map((s) => [
        `files read back from the ${s} archive`,
        `${at(s)} of ${run.files.length}`,
      ]),
    ),
    'SHA-256 checks by the pipeline': `${Object.values(checks).reduce((a, b) => a + b, 0)} (${Object.entries(
      checks,
    )
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')})`,
    'SHA-256 checks by the demo (S3 readback)': `${[...run.proof.sitesByPath.values()].reduce((s, v) => s + v.size, 0)}`,
    'registration to safe at every archive': `${run.seconds.toFixed(1)} s`,
    throughput: `${human(bytes / run.seconds)}/s of new data, ${human((bytes * run.archiveSites.length) / run.seconds)}/s archived`,
  };
  printTable(Object.entries(table).map(([figure, value]) => ({ figure, value })));
}

/** What an operator should look at when the run did not end with every file safe. */
export async function printWhereToLook(db: Client, databaseUrl: string, logDir: string): Promise<void> {
  const failures = await readFailures(db);
  if (failures.length) {
    console.log('Rows that failed, with their reasons:');
    printTable(failures.slice(0, 20));
  }
  console.log(
    [
      'Where to look:',
      `  logs of the API, each site's worker and the managers: ${logDir}/*.log`,
      `  the database: psql ${databaseUrl}`,
      '    (raw_data_package, data_transfer, long_term_archive_transfer: status and failure_reason;',
      '     physical_copy_event: the history of every copy)',
      '  rerun with --keep to leave everything running, or with DEMO_VERBOSE=1 to see the logs here.',
    ].join('\n'),
  );
}
