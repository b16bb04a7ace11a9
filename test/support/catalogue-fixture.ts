import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';

export interface Catalogue {
  obsUnitId: string;
  fileIds: string[];
  packageIds: string[];
}

/**
 * A catalogue as the pipeline leaves it, written with set-based SQL on the demo topology: `files` files of
 * one obs unit in packages of `perPackage`, each file with its source copy, each package with a buffer copy
 * at ccat and an archive copy at cologne and us, every copy with its first audit event. For tests of what
 * the console reads; no bytes exist behind these rows.
 */
export async function seedCatalogue(ds: DataSource, files: number, perPackage = 10): Promise<Catalogue> {
  const obsUnitId = randomUUID();
  await ds.query(
    `INSERT INTO executed_obs_unit (id, obs_unit, instrument_id, started_at, finished_at, outcome)
     SELECT $1, 'catalogue_field', id, now() - interval '1 hour', now(), 'success' FROM instrument WHERE name = 'primecam'`,
    [obsUnitId],
  );
  const loc = (site: string, name: string) =>
    `(SELECT l.id FROM data_location l JOIN site s ON s.id = l.site_id WHERE s.short_name = ${site} AND l.name = ${name})`;
  const source = loc(`'ccat'`, `'telescope_computer'`);
  const packages: { id: string }[] = await ds.query(
    `INSERT INTO raw_data_package (name, relative_path, executed_obs_unit_id, instrument_module_id, sequence,
                                   status, state, size, sha256, file_count, source_location_id, lta_site_count)
     SELECT 'pkg_' || $1 || '_' || n, 'packages/pkg_' || $1 || '_' || n || '.tar', $1::uuid,
            (SELECT id FROM instrument_module WHERE name = 'pcam_280'), n, 'completed', 'archived',
            1000 * $3, repeat('b', 64), $3, ${source}, 2
       FROM generate_series(1, $2::int) n ORDER BY n RETURNING id`,
    [obsUnitId, Math.ceil(files / perPackage), perPackage],
  );
  const packageIds = packages.map((p) => p.id);
  const fileRows: { id: string }[] = await ds.query(
    `INSERT INTO raw_data_file (id, relative_path, size, sha256, executed_obs_unit_id, instrument_module_id,
                                source_location_id, raw_data_package_id)
     SELECT gen_random_uuid(), 'primecam/catalogue/f' || n || '.fits', 1000, repeat('a', 64), $1::uuid,
            (SELECT id FROM instrument_module WHERE name = 'pcam_280'),
            ${source}, ($2::uuid[])[1 + (n - 1) / $3]
       FROM generate_series(1, $4::int) n RETURNING id`,
    [obsUnitId, packageIds, perPackage, files],
  );
  const fileIds = fileRows.map((f) => f.id);
  // The audit trigger writes each copy's first event, naming the actor the transaction declares.
  await ds.transaction(async (m) => {
    await m.query(
      `SELECT set_config('ccat.actor', 'test-fixture', true), set_config('ccat.reason', 'seeded', true)`,
    );
    await m.query(
      `INSERT INTO physical_copy (kind, raw_data_file_id, location_id, relative_path, status, size, sha256, verified_at)
       SELECT 'raw_data_file', f.id, f.source_location_id, f.relative_path, 'present', f.size, f.sha256, now()
         FROM raw_data_file f WHERE f.executed_obs_unit_id = $1`,
      [obsUnitId],
    );
    for (const [site, location] of [
      ['ccat', 'buffer'],
      ['cologne', 'lta'],
      ['us', 'lta'],
    ]) {
      await m.query(
        `INSERT INTO physical_copy (kind, raw_data_package_id, location_id, relative_path, status, size, sha256, verified_at)
         SELECT 'raw_data_package', p.id, ${loc('$2', '$3')}, p.relative_path, 'present',
                p.size, p.sha256, now()
           FROM raw_data_package p WHERE p.executed_obs_unit_id = $1`,
        [obsUnitId, site, location],
      );
    }
  });
  return { obsUnitId, fileIds, packageIds };
}
