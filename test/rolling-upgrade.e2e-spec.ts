import { DataSource } from 'typeorm';
import { runMigrations } from '../src/database/migrate';
import { migrationsUpTo } from '../src/database/releases';
import { typeOrmOptions } from '../src/database/typeorm-options';
import { createTestDatabase, TestDatabase } from './support/test-database';

const PREVIOUS_RELEASE = '0.1.0';

interface Column {
  table: string;
  column: string;
  type: string;
  nullable: boolean;
  hasDefault: boolean;
}

async function columns(ds: DataSource): Promise<Map<string, Column>> {
  const rows: Column[] = await ds.query(
    `SELECT table_name AS table, column_name AS column, udt_name AS type, is_nullable = 'YES' AS nullable,
            column_default IS NOT NULL AS "hasDefault"
       FROM information_schema.columns WHERE table_schema = 'public'`,
  );
  return new Map(rows.map((r) => [`${r.table}.${r.column}`, r]));
}

async function enumValues(ds: DataSource): Promise<Set<string>> {
  const rows: { v: string }[] = await ds.query(
    `SELECT t.typname || '.' || e.enumlabel AS v FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid`,
  );
  return new Set(rows.map((r) => r.v));
}

/**
 * Statements the previous release's workers run, recorded from its code: they must keep working against
 * the new schema while its workers are still out there (expand, then contract).
 */
const PREVIOUS_RELEASE_STATEMENTS: { what: string; sql: string }[] = [
  {
    what: 'PhysicalCopyService.createCopies',
    sql: `INSERT INTO physical_copy (kind, raw_data_file_id, raw_data_package_id, data_transfer_package_id, location_id,
            relative_path, status, size, sha256, verified_at)
          SELECT 'raw_data_package', NULL, (SELECT id FROM raw_data_package LIMIT 1), NULL, (SELECT id FROM data_location LIMIT 1),
                 'x/old-release.tar', 'present', 10, repeat('a', 64), now() RETURNING id`,
  },
  {
    what: 'refreshLtaSiteCount',
    sql: `UPDATE raw_data_package p
             SET lta_site_count = (SELECT count(DISTINCT l.site_id) FROM physical_copy c JOIN data_location l ON l.id = c.location_id
                                    WHERE c.raw_data_package_id = p.id AND l.location_type = 'long_term_archive'
                                      AND c.status = ANY('{present,staged}'::copy_status[]))
           WHERE p.id = (SELECT id FROM raw_data_package LIMIT 1) RETURNING lta_site_count AS sites`,
  },
  {
    what: 'FixityManager.planLocation',
    sql: `INSERT INTO fixity_check (copy_id, location_id, size)
          SELECT id, location_id, size FROM physical_copy WHERE relative_path = 'x/old-release.tar' ON CONFLICT DO NOTHING`,
  },
  {
    what: 'FixityProcessor (fixity check result)',
    sql: `UPDATE physical_copy SET last_fixity_at = now(), verified_at = now() WHERE relative_path = 'x/old-release.tar'`,
  },
];

describe(`rolling upgrade: release ${PREVIOUS_RELEASE}'s workers against this release's schema`, () => {
  let db: TestDatabase;
  let ds: DataSource;
  let before: Map<string, Column>;
  let enumsBefore: Set<string>;

  beforeAll(async () => {
    db = await createTestDatabase(null);
    const previous = await new DataSource({
      ...typeOrmOptions(db.url),
      migrations: migrationsUpTo(PREVIOUS_RELEASE),
    }).initialize();
    await runMigrations(previous);
    before = await columns(previous);
    enumsBefore = await enumValues(previous);
    await previous.destroy();
    ds = await new DataSource(typeOrmOptions(db.url)).initialize();
    await runMigrations(ds);
  }, 120_000);
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('only expands: every column and enum value of the previous release is still there, with its type', async () => {
    const after = await columns(ds);
    const changed = [...before.values()].filter((c) => after.get(`${c.table}.${c.column}`)?.type !== c.type);
    expect(changed).toEqual([]);
    const enumsAfter = await enumValues(ds);
    expect([...enumsBefore].filter((v) => !enumsAfter.has(v))).toEqual([]);
  });

  it("adds to the previous release's tables only columns its inserts can leave out (nullable or defaulted)", async () => {
    const oldTables = new Set([...before.values()].map((c) => c.table));
    const added = [...(await columns(ds)).values()].filter(
      (c) => oldTables.has(c.table) && !before.has(`${c.table}.${c.column}`),
    );
    expect(added.filter((c) => !c.nullable && !c.hasDefault)).toEqual([]);
  });

  it("runs the previous release's recorded statements against the new schema", async () => {
    const runner = ds.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    try {
      await runner.query(`SELECT set_config('ccat.actor', 'previous-release', true)`);
      // The smallest rows those statements need, in SQL as the previous release's schema knew them: the
      // factories write through today's entities, which is what this test must not lean on.
      await runner.query(`INSERT INTO site (name, short_name) VALUES ('s', 's')`);
      await runner.query(
        `INSERT INTO data_location (site_id, name, location_type, storage_type, root_path)
         SELECT id, 'lta', 'long_term_archive', 'disk', '/x' FROM site`,
      );
      await runner.query(`INSERT INTO observatory (name) VALUES ('o')`);
      await runner.query(`INSERT INTO telescope (name, observatory_id) SELECT 't', id FROM observatory`);
      await runner.query(`INSERT INTO instrument (name, telescope_id) SELECT 'i', id FROM telescope`);
      await runner.query(
        `INSERT INTO instrument_module (name, instrument_id) SELECT 'm', id FROM instrument`,
      );
      await runner.query(
        `INSERT INTO executed_obs_unit (id, obs_unit, instrument_id, started_at) SELECT gen_random_uuid(), 'u', id, now() FROM instrument`,
      );
      await runner.query(
        `INSERT INTO raw_data_package (name, relative_path, executed_obs_unit_id, instrument_module_id, source_location_id, sequence, status, state, size, sha256, file_count)
         SELECT 'p', 'p.tar', u.id, m.id, l.id, 1, 'completed', 'archived', 10, repeat('a', 64), 0
           FROM executed_obs_unit u, instrument_module m, data_location l`,
      );
      for (const s of PREVIOUS_RELEASE_STATEMENTS)
        await expect(runner.query(s.sql).then(() => s.what)).resolves.toBe(s.what);
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  });
});
