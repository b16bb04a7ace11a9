import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';

/**
 * What a night adds, and what the workers would do with it, for the benchmark's part (b): the managers
 * run for real; between their cycles the workers' outcomes are written here directly (a package packed,
 * a bundle written, a transfer unpacked), the way the workers record them (copy rows under an audit
 * actor), without moving bytes. Nothing here is used by the system itself.
 */
const ACTOR = `SELECT set_config('ccat.actor', 'bench-scale-worker', true)`;

/** A finished obs unit of primecam with `files` files registered at the telescope computer. */
export async function registerFinishedUnit(db: DataSource, files: number): Promise<string> {
  const unit = randomUUID();
  await db.transaction(async (m) => {
    await m.query(ACTOR);
    await m.query(
      `INSERT INTO executed_obs_unit (id, obs_unit, instrument_id, started_at, finished_at, outcome)
       SELECT $1, 'bench_new', i.id, now() - interval '2 hours', now() - interval '1 hour', 'success'
         FROM instrument i WHERE i.name = 'primecam'`,
      [unit],
    );
    await m.query(
      `INSERT INTO raw_data_file (id, relative_path, size, sha256, executed_obs_unit_id, instrument_module_id,
                                  source_location_id, created_at)
       SELECT gen_random_uuid(), 'primecam/' || $1 || '/' || im.name || '/scan_' || n || '.fits', 20000000 + n,
              md5($1 || n) || md5('x' || $1 || n), $1::uuid, im.id, l.id, now() - interval '90 minutes'
         FROM generate_series(0, $2::int - 1) n
         JOIN instrument_module im ON im.name = CASE WHEN n % 2 = 0 THEN 'pcam_280' ELSE 'pcam_350' END
         JOIN data_location l ON l.name = 'telescope_computer'`,
      [unit, files],
    );
    await m.query(
      `INSERT INTO physical_copy (kind, raw_data_file_id, location_id, relative_path, status, size, sha256, verified_at)
       SELECT 'raw_data_file', f.id, f.source_location_id, f.relative_path, 'present', f.size, f.sha256, now()
         FROM raw_data_file f WHERE f.executed_obs_unit_id = $1`,
      [unit],
    );
  });
  return unit;
}

/** The source worker packed the unit's packages into the ccat buffer. */
export async function packagesPacked(db: DataSource, unit: string): Promise<number> {
  return db.transaction(async (m) => {
    await m.query(ACTOR);
    const [rows] = await m.query(
      `UPDATE raw_data_package SET status = 'completed', sha256 = md5(id::text) || md5(name), updated_at = now() - interval '2 hours'
        WHERE executed_obs_unit_id = $1 RETURNING id`,
      [unit],
    );
    await m.query(
      `INSERT INTO physical_copy (kind, raw_data_package_id, location_id, relative_path, status, size, sha256, verified_at)
       SELECT 'raw_data_package', p.id, l.id, p.relative_path, 'present', p.size, p.sha256, now()
         FROM raw_data_package p JOIN data_location l ON l.name = 'buffer'
         JOIN site s ON s.id = l.site_id AND s.short_name = 'ccat'
        WHERE p.executed_obs_unit_id = $1`,
      [unit],
    );
    return (rows as unknown[]).length;
  });
}

/** The ccat worker wrote the bundles holding the unit's packages. */
export async function bundlesWritten(db: DataSource, unit: string): Promise<number> {
  return db.transaction(async (m) => {
    await m.query(ACTOR);
    const [rows] = await m.query(
      `UPDATE data_transfer_package d SET status = 'completed', sha256 = md5(d.id::text) || md5(d.name), updated_at = now()
        WHERE d.id IN (SELECT data_transfer_package_id FROM raw_data_package WHERE executed_obs_unit_id = $1)
        RETURNING d.id`,
      [unit],
    );
    await m.query(
      `INSERT INTO physical_copy (kind, data_transfer_package_id, location_id, relative_path, status, size, sha256, verified_at)
       SELECT 'data_transfer_package', d.id, d.origin_location_id, d.relative_path, 'present', d.size, d.sha256, now()
         FROM data_transfer_package d WHERE d.id = ANY($1::uuid[])`,
      [(rows as { id: string }[]).map((r) => r.id)],
    );
    return (rows as unknown[]).length;
  });
}

/** The destination workers pulled and unpacked every open transfer of the unit's bundles. */
export async function transfersUnpacked(db: DataSource, unit: string): Promise<number> {
  return db.transaction(async (m) => {
    await m.query(ACTOR);
    const [rows] = await m.query(
      `UPDATE data_transfer t SET status = 'completed', unpack_status = 'completed', updated_at = now()
        WHERE t.data_transfer_package_id IN (SELECT data_transfer_package_id FROM raw_data_package WHERE executed_obs_unit_id = $1)
          AND t.unpack_status <> 'completed'
        RETURNING t.id, t.destination_location_id, t.data_transfer_package_id`,
      [unit],
    );
    await m.query(
      `INSERT INTO physical_copy (kind, raw_data_package_id, location_id, relative_path, status, size, sha256, verified_at)
       SELECT 'raw_data_package', p.id, t.destination_location_id, p.relative_path, 'present', p.size, p.sha256, now()
         FROM data_transfer t JOIN raw_data_package p ON p.data_transfer_package_id = t.data_transfer_package_id
        WHERE t.id = ANY($1::uuid[])`,
      [(rows as { id: string }[]).map((r) => r.id)],
    );
    return (rows as unknown[]).length;
  });
}
