import { Client } from 'pg';

/**
 * A realistic year of history, made by set-based SQL (generate_series) in a database that was migrated
 * and given the demo topology: obs units, raw data packages of `filesPerPackage` files, bundles of ten
 * packages, their transfers to the first archive site and replications to the second, unpacks, uploads
 * into both archives, every physical copy with its audit trail, staging jobs, manager cycle records.
 *
 * Packages by age, newest last: all but the last 31 are ARCHIVED at both sites (their SOURCE files,
 * buffer tars and bundles deleted, one PRESENT copy in each archive); then one FAILED package; ten being
 * archived (tars at both destination buffers, uploads in progress); ten in a bundle being transferred;
 * ten being packaged. Nothing is left for a manager to decide: every open row is owned by a worker.
 *
 * Triggers are off while it loads (session_replication_role = replica: no audit trigger, no foreign key
 * checks, the rows being consistent by construction), so the audit rows are written explicitly: one
 * event for a live copy, four (present, scheduled, in progress, deleted) for a deleted one.
 */
export interface HistoryOptions {
  files: number;
  filesPerPackage: number;
}

export interface HistoryStep {
  step: string;
  rows: number;
  ms: number;
}

const PACKAGES_PER_BUNDLE = 10;
/** Newest packages in each live state; older ones are archived. */
const IN_FLIGHT = { packaging: 10, transferring: 10, archiving: 10, failed: 1 };

export async function generateHistory(url: string, options: HistoryOptions): Promise<HistoryStep[]> {
  const packages = Math.ceil(options.files / options.filesPerPackage);
  if (packages % (2 * PACKAGES_PER_BUNDLE) !== 0 || packages < 100)
    throw new Error(`need a multiple of 20 packages, at least 100 (files / filesPerPackage = ${packages})`);
  const db = new Client({ connectionString: url });
  await db.connect();
  const steps: HistoryStep[] = [];
  const run = async (step: string, sql: string, params?: unknown[]) => {
    const started = process.hrtime.bigint();
    const result = await db.query(sql, params).catch((err: Error) => {
      throw new Error(`generating ${step}: ${err.message}`);
    });
    steps.push({ step, rows: result.rowCount ?? 0, ms: Number(process.hrtime.bigint() - started) / 1e6 });
  };
  try {
    await db.query(`SET session_replication_role = replica`);
    await db.query(`SET work_mem = '256MB'`);
    await db.query(`SET maintenance_work_mem = '512MB'`);
    await run('locations', LOCATIONS_SQL);
    await run('packages plan', PLAN_SQL, [packages, options.filesPerPackage, PACKAGES_PER_BUNDLE]);
    await db.query(`CREATE UNIQUE INDEX ON plan (p); ANALYZE plan`);
    for (const [step, sql] of STEPS) await run(step, sql);
    // The catalogue's totals, which the (disabled) triggers would have kept.
    const [{ totals }] = (await db.query(`SELECT to_regclass('raw_data_file_totals') AS totals`)).rows;
    if (totals)
      await run(
        'raw_data_file_totals',
        `DELETE FROM raw_data_file_totals;
         INSERT INTO raw_data_file_totals (shard, files, bytes) SELECT 0, count(*), sum(size) FROM raw_data_file`,
      );
    await run(
      'location_copy_totals',
      `DELETE FROM location_copy_totals;
       INSERT INTO location_copy_totals (location_id, status, shard, copies, bytes)
       SELECT location_id, status, 0, count(*), sum(size) FROM physical_copy WHERE status <> 'deleted' GROUP BY 1, 2`,
    );
    await db.query(`SET session_replication_role = DEFAULT`);
    await run('vacuum analyze', 'VACUUM ANALYZE');
  } finally {
    await db.end();
  }
  return steps;
}

/** Location ids by name, for the statements below (a temporary table lives as long as the session). */
const LOCATIONS_SQL = `
  CREATE TEMP TABLE loc AS
  SELECT max(l.id) FILTER (WHERE s.short_name = 'ccat' AND l.name = 'telescope_computer') AS source,
         max(l.id) FILTER (WHERE s.short_name = 'ccat' AND l.name = 'buffer') AS ccat_buffer,
         max(l.id) FILTER (WHERE s.short_name = 'cologne' AND l.name = 'buffer') AS cologne_buffer,
         max(l.id) FILTER (WHERE s.short_name = 'us' AND l.name = 'buffer') AS us_buffer,
         max(l.id) FILTER (WHERE s.short_name = 'cologne' AND l.name = 'lta') AS cologne_lta,
         max(l.id) FILTER (WHERE s.short_name = 'us' AND l.name = 'lta') AS us_lta,
         max(l.id) FILTER (WHERE s.short_name = 'cologne' AND l.name = 'ramses_processing') AS processing
    FROM data_location l JOIN site s ON s.id = l.site_id`;

/**
 * One row per package: its ids, unit, module, age and what happened to it (grp); package p belongs to
 * obs unit p / 2 (one package per module of the unit's instrument) and to bundle p / 10, whose first
 * archive site alternates between Cologne and the US.
 */
const PLAN_SQL = `
  CREATE TEMP TABLE plan AS
  SELECT p, md5('package' || p)::uuid AS id, md5('unit' || (p / 2))::uuid AS unit_id,
         m.id AS module_id, m.name AS module, i.name AS instrument, i.id AS instrument_id,
         md5('bundle' || (p / $3::int))::uuid AS dtp_id, (p / $3::int) % 2 = 0 AS first_cologne,
         now() - make_interval(hours => ($1::int - p) * 8) AS at, $2::int AS files,
         CASE WHEN p >= $1 - ${IN_FLIGHT.packaging} THEN 'packaging'
              WHEN p >= $1 - ${IN_FLIGHT.packaging + IN_FLIGHT.transferring} THEN 'transferring'
              WHEN p >= $1 - ${IN_FLIGHT.packaging + IN_FLIGHT.transferring + IN_FLIGHT.archiving} THEN 'archiving'
              WHEN p >= $1 - ${IN_FLIGHT.packaging + IN_FLIGHT.transferring + IN_FLIGHT.archiving + IN_FLIGHT.failed} THEN 'failed'
              ELSE 'archived' END AS grp
    FROM generate_series(0, $1::int - 1) p
    JOIN instrument i ON i.name = CASE WHEN (p / 2) % 2 = 0 THEN 'primecam' ELSE 'chai' END
    JOIN LATERAL (SELECT id, name FROM instrument_module WHERE instrument_id = i.id ORDER BY name
                  OFFSET p % 2 LIMIT 1) m ON true`;

const hex64 = (seed: string) => `md5(${seed}) || md5('x' || ${seed})`;

const STEPS: [string, string][] = [
  [
    'executed_obs_unit',
    `INSERT INTO executed_obs_unit (id, obs_unit, instrument_id, started_at, finished_at, outcome, created_at, updated_at)
     SELECT unit_id, 'field_' || (p / 2), instrument_id, at - interval '1 hour', at, 'success', at - interval '1 hour', at
       FROM plan WHERE p % 2 = 0`,
  ],
  [
    'raw_data_file',
    `INSERT INTO raw_data_file (id, relative_path, size, sha256, executed_obs_unit_id, instrument_module_id,
                                source_location_id, raw_data_package_id, file_created_at, file_type, created_at)
     SELECT md5('file' || (p * files + n))::uuid, instrument || '/' || unit_id || '/' || module || '/scan_' || n || '.fits',
            10000000 + ((p * files + n)::bigint * 7919) % 50000000, ${hex64("'file' || (p * files + n)")},
            unit_id, module_id, loc.source, id,
            at - interval '1 hour' + make_interval(secs => n), 'fits', at - interval '1 hour' + make_interval(secs => n)
       FROM plan, loc, generate_series(0, files - 1) n`,
  ],
  [
    'data_transfer_package',
    `INSERT INTO data_transfer_package (id, name, relative_path, origin_location_id, status, size, sha256,
                                        package_count, created_at, updated_at, distributed_at)
     SELECT dtp_id, 'ccat_buffer_' || min(p), 'transfer/ccat_buffer_' || min(p) || '.tar', loc.ccat_buffer,
            'completed', 0, ${hex64("'bundle' || min(p)")}, count(*), max(at), max(at) + interval '10 minutes',
            CASE WHEN bool_and(grp IN ('archived', 'archiving')) THEN max(at) + interval '2 hours' END
       FROM plan, loc WHERE grp IN ('archived', 'archiving', 'transferring')
      GROUP BY dtp_id, loc.ccat_buffer`,
  ],
  [
    'raw_data_package',
    `INSERT INTO raw_data_package (id, name, relative_path, executed_obs_unit_id, instrument_module_id, sequence,
                                   status, state, size, sha256, file_count, retry_count, failure_reason,
                                   claimed_by, claimed_at, created_at, updated_at, source_location_id,
                                   data_transfer_package_id, lta_site_count)
     SELECT pl.id, pl.unit_id || '_' || module || '_001', instrument || '/' || pl.unit_id || '/' || pl.unit_id || '_' || module || '_001.tar',
            pl.unit_id, module_id, 1,
            (CASE grp WHEN 'packaging' THEN 'in_progress' WHEN 'failed' THEN 'failed' ELSE 'completed' END)::operation_status,
            (CASE grp WHEN 'archived' THEN 'archived' WHEN 'failed' THEN 'failed' WHEN 'packaging' THEN 'waiting'
                      ELSE 'transferring' END)::package_state,
            f.bytes, CASE WHEN grp NOT IN ('packaging', 'failed') THEN ${hex64("'package' || p")} END,
            files,
            CASE WHEN grp = 'failed' THEN 3 ELSE 0 END,
            CASE WHEN grp = 'failed' THEN 'source file changed: checksum differs from its registration' END,
            CASE WHEN grp = 'packaging' THEN 'worker-ccat-bench' END, CASE WHEN grp = 'packaging' THEN now() END,
            at, CASE WHEN grp IN ('packaging', 'failed') THEN now() ELSE at + interval '3 hours' END, loc.source,
            CASE WHEN grp IN ('archived', 'archiving', 'transferring') THEN dtp_id END,
            CASE WHEN grp = 'archived' THEN 2 ELSE 0 END
       FROM plan pl CROSS JOIN loc
       JOIN (SELECT raw_data_package_id, sum(size) AS bytes FROM raw_data_file GROUP BY 1) f ON f.raw_data_package_id = pl.id`,
  ],
  [
    'data_transfer_package size',
    `UPDATE data_transfer_package d SET size = s.bytes
       FROM (SELECT data_transfer_package_id AS id, sum(size) AS bytes FROM raw_data_package GROUP BY 1) s
      WHERE s.id = d.id`,
  ],
  [
    'data_transfer',
    // The first site pulls from the ccat buffer; the second from the first site's buffer. A bundle in
    // transit has only its first transfer, in progress.
    `INSERT INTO data_transfer (data_transfer_package_id, origin_location_id, destination_location_id, method,
                                status, unpack_status, bytes_transferred, claimed_by, claimed_at, created_at, updated_at)
     SELECT b.dtp_id, CASE WHEN hop = 1 THEN loc.ccat_buffer WHEN b.first_cologne THEN loc.cologne_buffer ELSE loc.us_buffer END,
            CASE WHEN (hop = 1) = b.first_cologne THEN loc.cologne_buffer ELSE loc.us_buffer END, 'http',
            (CASE WHEN b.grp = 'transferring' THEN 'in_progress' ELSE 'completed' END)::operation_status,
            (CASE WHEN b.grp = 'transferring' THEN 'pending' ELSE 'completed' END)::operation_status,
            CASE WHEN b.grp = 'transferring' THEN d.size / 3 ELSE d.size END,
            CASE WHEN b.grp = 'transferring' THEN 'worker-cologne-bench' END,
            CASE WHEN b.grp = 'transferring' THEN now() END,
            b.at + make_interval(mins => 10 + 30 * hop), CASE WHEN b.grp = 'transferring' THEN now() ELSE b.at + make_interval(mins => 30 + 30 * hop) END
       FROM (SELECT DISTINCT ON (dtp_id) dtp_id, first_cologne, grp, at FROM plan
              WHERE grp IN ('archived', 'archiving', 'transferring') ORDER BY dtp_id, p DESC) b
       JOIN data_transfer_package d ON d.id = b.dtp_id CROSS JOIN loc
       CROSS JOIN generate_series(1, 2) hop
      WHERE hop = 1 OR b.grp <> 'transferring'`,
  ],
  [
    'long_term_archive_transfer',
    `INSERT INTO long_term_archive_transfer (raw_data_package_id, origin_location_id, destination_location_id, status,
                                             bytes_transferred, sidecar_size, sidecar_sha256, claimed_by, claimed_at,
                                             created_at, updated_at)
     SELECT pl.id, CASE WHEN site = 'cologne' THEN loc.cologne_buffer ELSE loc.us_buffer END,
            CASE WHEN site = 'cologne' THEN loc.cologne_lta ELSE loc.us_lta END,
            (CASE WHEN grp = 'archived' THEN 'completed' ELSE 'in_progress' END)::operation_status,
            CASE WHEN grp = 'archived' THEN r.size ELSE 0 END, 2048, ${hex64("'sidecar' || p || site")},
            CASE WHEN grp = 'archiving' THEN 'worker-' || site || '-bench' END, CASE WHEN grp = 'archiving' THEN now() END,
            at + interval '2 hours', CASE WHEN grp = 'archived' THEN at + interval '3 hours' ELSE now() END
       FROM plan pl JOIN raw_data_package r ON r.id = pl.id CROSS JOIN loc
       CROSS JOIN unnest(ARRAY['cologne', 'us']) site
      WHERE grp IN ('archived', 'archiving')`,
  ],
  [
    'physical_copy',
    // Every copy the pipeline made: the files at the source, each package's tar at the ccat buffer, at
    // both destination buffers and in both archives, each bundle at the ccat buffer and at both
    // destination buffers; deleted once the rules let them go.
    `INSERT INTO physical_copy (kind, raw_data_file_id, raw_data_package_id, data_transfer_package_id, location_id,
                                relative_path, status, size, sha256, verified_at, created_at, updated_at)
     SELECT 'raw_data_file'::copy_kind, f.id, NULL::uuid, NULL::uuid, f.source_location_id, f.relative_path,
            (CASE WHEN pl.grp = 'archived' THEN 'deleted' ELSE 'present' END)::copy_status, f.size, f.sha256,
            f.created_at, f.created_at, CASE WHEN pl.grp = 'archived' THEN pl.at + interval '1 day' ELSE f.created_at END
       FROM raw_data_file f JOIN plan pl ON pl.unit_id = f.executed_obs_unit_id AND pl.module_id = f.instrument_module_id
     UNION ALL
     SELECT 'raw_data_package', NULL, r.id, NULL, c.location_id, r.relative_path,
            (CASE WHEN c.live THEN 'present' ELSE 'deleted' END)::copy_status, r.size, r.sha256,
            pl.at + c.after, pl.at + c.after, CASE WHEN c.live THEN pl.at + c.after ELSE pl.at + interval '1 day' END
       FROM plan pl JOIN raw_data_package r ON r.id = pl.id CROSS JOIN loc
       CROSS JOIN LATERAL (VALUES
         (loc.ccat_buffer, pl.grp IN ('transferring', 'archiving'), interval '5 minutes', pl.grp <> 'packaging' AND pl.grp <> 'failed'),
         (loc.cologne_buffer, pl.grp = 'archiving', interval '90 minutes', pl.grp IN ('archived', 'archiving')),
         (loc.us_buffer, pl.grp = 'archiving', interval '100 minutes', pl.grp IN ('archived', 'archiving')),
         (loc.cologne_lta, true, interval '3 hours', pl.grp = 'archived'),
         (loc.us_lta, true, interval '3 hours', pl.grp = 'archived')) AS c(location_id, live, after, made)
      WHERE c.made
     UNION ALL
     SELECT 'data_transfer_package', NULL, NULL, d.id, c.location_id, d.relative_path,
            (CASE WHEN c.live THEN 'present' ELSE 'deleted' END)::copy_status, d.size, d.sha256,
            d.created_at + c.after, d.created_at + c.after, d.created_at + interval '1 day'
       FROM data_transfer_package d CROSS JOIN loc
       CROSS JOIN LATERAL (VALUES
         (loc.ccat_buffer, d.distributed_at IS NULL, interval '10 minutes', true),
         (loc.cologne_buffer, false, interval '40 minutes', d.distributed_at IS NOT NULL),
         (loc.us_buffer, false, interval '70 minutes', d.distributed_at IS NOT NULL)) AS c(location_id, live, after, made)
      WHERE c.made`,
  ],
  [
    'staging_job',
    // Twenty requests to stage one archived package each into Cologne's processing area: fifteen done and
    // released (their files deleted), three done and kept, two failed.
    `INSERT INTO staging_job (id, destination_location_id, status, requested_by, request, files_total, bytes_total,
                              files_done, bytes_done, completed_at, released_at, failure_reason, retry_count,
                              created_at, updated_at)
     SELECT md5('staging' || j)::uuid, loc.processing,
            (CASE WHEN j >= 18 THEN 'failed' ELSE 'completed' END)::operation_status, 'token:bench-scientist',
            jsonb_build_object('packageIds', jsonb_build_array(pl.id)), pl.files, r.size,
            CASE WHEN j >= 18 THEN 0 ELSE pl.files END, CASE WHEN j >= 18 THEN 0 ELSE r.size END,
            CASE WHEN j < 18 THEN now() - make_interval(days => 40 - j) END,
            CASE WHEN j < 15 THEN now() - make_interval(days => 39 - j) END,
            CASE WHEN j >= 18 THEN 'archive copy unreadable: timeout' END, CASE WHEN j >= 18 THEN 3 ELSE 0 END,
            now() - make_interval(days => 40 - j), now() - make_interval(days => 39 - j)
       FROM generate_series(0, 19) j CROSS JOIN loc JOIN plan pl ON pl.p = j * 37 JOIN raw_data_package r ON r.id = pl.id;
     INSERT INTO staging_job_package (staging_job_id, raw_data_package_id, staged_at)
     SELECT j.id, (j.request -> 'packageIds' ->> 0)::uuid, j.completed_at FROM staging_job j`,
  ],
  [
    'physical_copy staged',
    `INSERT INTO physical_copy (kind, raw_data_file_id, location_id, relative_path, status, size, sha256, verified_at,
                                created_at, updated_at)
     SELECT 'raw_data_file', f.id, j.destination_location_id, f.relative_path,
            (CASE WHEN j.released_at IS NULL THEN 'staged' ELSE 'deleted' END)::copy_status, f.size, f.sha256,
            j.completed_at, j.completed_at, coalesce(j.released_at + interval '1 hour', j.completed_at)
       FROM staging_job j JOIN staging_job_package jp ON jp.staging_job_id = j.id
       JOIN raw_data_file f ON f.raw_data_package_id = jp.raw_data_package_id
      WHERE j.status = 'completed'`,
  ],
  [
    'physical_copy_event',
    `INSERT INTO physical_copy_event (physical_copy_id, from_status, to_status, actor, reason, at)
     SELECT c.id, e.from_status::copy_status, e.to_status::copy_status, e.actor, e.reason, c.created_at + e.after
       FROM physical_copy c
       CROSS JOIN LATERAL (VALUES
         (NULL, CASE WHEN c.status = 'staged' THEN 'staged' ELSE 'present' END, 'worker-bench', NULL, interval '0'),
         ('present', 'deletion_scheduled', 'worker-managers-bench', 'rule: archived', c.updated_at - c.created_at - interval '2 minutes'),
         ('deletion_scheduled', 'deletion_in_progress', 'worker-bench', NULL, c.updated_at - c.created_at - interval '1 minute'),
         ('deletion_in_progress', 'deleted', 'worker-bench', NULL, c.updated_at - c.created_at)
       ) AS e(from_status, to_status, actor, reason, after)
      WHERE e.from_status IS NULL OR c.status = 'deleted'`,
  ],
  [
    'manager_cycle',
    // A week of cycle records (what is kept), at the default intervals of the busier managers.
    `INSERT INTO manager_cycle (kind, process, outcome, started_at, finished_at, summary)
     SELECT k.kind, 'worker-managers-bench', 'completed', now() - make_interval(secs => n * k.every),
            now() - make_interval(secs => n * k.every) + interval '15 milliseconds', '{"enqueued": 0}'::jsonb
       FROM (VALUES ('raw_data_package', 10), ('data_transfer_package', 10), ('data_transfer', 10),
                    ('long_term_archive', 10), ('staging', 10), ('deletion', 30), ('monitoring', 60),
                    ('recovery', 60), ('alerts', 60), ('events', 2)) AS k(kind, every)
       CROSS JOIN LATERAL generate_series(1, 7 * 86400 / k.every) n`,
  ],
  [
    'location_usage',
    `INSERT INTO location_usage (location_id, total_bytes, free_bytes, copies_bytes, copies, measured_at, measured_by)
     SELECT l.id, CASE WHEN l.storage_type = 'disk' THEN 100000000000000 END,
            CASE WHEN l.storage_type = 'disk' THEN 60000000000000 END, coalesce(c.bytes, 0), coalesce(c.n, 0),
            now(), 'worker-bench'
       FROM data_location l
       LEFT JOIN (SELECT location_id, sum(size) AS bytes, count(*) AS n FROM physical_copy
                   WHERE status <> 'deleted' GROUP BY 1) c ON c.location_id = l.id`,
  ],
];
