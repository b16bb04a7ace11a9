import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { recreateDatabase } from '../../scripts/lib/database';
import { cli, ROOT } from '../../scripts/lib/processes';

/**
 * bench/ingest/write-paths: the registration statement's cheaper write paths, side by side on a fresh
 * database with the demo topology: 5,000 files and their source copies (with the audit trigger, the
 * foreign keys and every index), in a transaction rolled back, REPS times each. Only the database's
 * part is timed (from sending the statement to its result), not the API's parsing and validation.
 *  - json_to_recordset: what RawDataFileService sends today (one JSON parameter);
 *  - unnest of typed arrays: ten array parameters.
 */
const SERVER_URL = process.env.DEMO_DATABASE_SERVER_URL ?? 'postgres://postgres@127.0.0.1:5432';
const N = 5000;
const REPS = Number(process.env.BENCH_REPS ?? 7);

interface Row {
  id: string;
  path: string;
  size: number;
  sha256: string;
  unit: string;
  module: number;
  location: number;
}

const COPIES = `), copies AS (
    INSERT INTO physical_copy (kind, raw_data_file_id, location_id, relative_path, status, size, sha256, verified_at)
    SELECT 'raw_data_file', id, source_location_id, relative_path, 'present', size, sha256, now() FROM files
    RETURNING raw_data_file_id)
  SELECT raw_data_file_id AS id FROM copies`;
const FILES = `files AS (
    INSERT INTO raw_data_file (id, relative_path, size, sha256, executed_obs_unit_id, instrument_module_id, source_location_id)
    SELECT id, path, size, sha256, unit, module, location FROM input ON CONFLICT DO NOTHING
    RETURNING id, relative_path, size, sha256, source_location_id`;

const PATHS: Record<string, (rows: Row[]) => [string, unknown[]]> = {
  'json_to_recordset (today)': (rows) => [
    `WITH input AS (SELECT * FROM json_to_recordset($1::json)
                      AS x(id uuid, path text, size bigint, sha256 text, unit uuid, module int, location int)),
     ${FILES} ${COPIES}`,
    [JSON.stringify(rows)],
  ],
  'unnest of typed arrays': (rows) => [
    `WITH input AS (SELECT * FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::text[], $5::uuid[], $6::int[], $7::int[])
                      AS x(id, path, size, sha256, unit, module, location)),
     ${FILES} ${COPIES}`,
    (['id', 'path', 'size', 'sha256', 'unit', 'module', 'location'] as const).map((k) =>
      rows.map((r) => r[k]),
    ),
  ],
};

async function main(): Promise<void> {
  const url = await recreateDatabase(SERVER_URL, 'ccat_bench_write_paths');
  const dataRoot = mkdtempSync(join(tmpdir(), 'ccat-bench-write-paths-'));
  const env = { ...process.env, DATABASE_URL: url, CCAT_DATA_ROOT: dataRoot };
  cli(['migrate'], env);
  cli(['topology', 'apply', join(ROOT, 'config', 'topology.demo.yaml')], env);
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    const [{ unit }] = (
      await db.query(`INSERT INTO executed_obs_unit (id, obs_unit, instrument_id, started_at)
                      SELECT gen_random_uuid(), 'write_paths', i.id, now() FROM instrument i WHERE i.name = 'primecam'
                      RETURNING id AS unit`)
    ).rows;
    const [{ module }] = (
      await db.query(`SELECT id AS module FROM instrument_module WHERE name = 'pcam_280'`)
    ).rows;
    const [{ location }] = (
      await db.query(`SELECT id AS location FROM data_location WHERE name = 'telescope_computer'`)
    ).rows;
    const rows = (): Row[] =>
      Array.from({ length: N }, (_, i) => {
        const id = randomUUID();
        const sha256 = createHash('sha256').update(id).digest('hex');
        return {
          id,
          path: `primecam/${unit}/pcam_280/${id}.fits`,
          size: 1000 + i,
          sha256,
          unit,
          module,
          location,
        };
      });
    console.log(
      `bench/ingest/write-paths: ${N} files and their source copies per statement, rolled back, ${REPS} times`,
    );
    for (const [name, build] of Object.entries(PATHS)) {
      const ms: number[] = [];
      for (let r = 0; r < REPS; r++) {
        const [sql, params] = build(rows());
        await db.query('BEGIN');
        await db.query(`SELECT set_config('ccat.actor', 'bench-write-paths', true)`);
        const started = process.hrtime.bigint();
        const result = await db.query(sql, params);
        ms.push(Number(process.hrtime.bigint() - started) / 1e6);
        await db.query('ROLLBACK');
        if (result.rowCount !== N) throw new Error(`${name} wrote ${result.rowCount} of ${N}`);
      }
      ms.sort((a, b) => a - b);
      const at = (q: number) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))].toFixed(1);
      console.log(
        `  ${name.padEnd(28)} min ${at(0)} / median ${at(0.5)} / max ${at(1)} ms (${((N / Number(at(0.5))) * 1000).toFixed(0)} files/s at the median)`,
      );
    }
  } finally {
    await db.end();
    rmSync(dataRoot, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  console.error(`bench/ingest/write-paths failed: ${err.message}`);
  process.exit(1);
});
