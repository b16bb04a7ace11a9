import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { typeOrmOptions } from '../src/database/typeorm-options';
import { parseSidecar, serializeSidecar } from '../src/pipeline/archive/package-sidecar';
import { BUCKETS, PipelineHarness } from './support/pipeline-harness';
import { applyDemoTopology, waitFor } from './support/processes';
import { createTestDatabase, TestDatabase } from './support/test-database';

const ROOT = join(__dirname, '..');

/** What the catalogue says about archived data, field by field, in an order independent of insertion. */
async function snapshot(db: DataSource) {
  const location = `s.short_name || '/' || l.name`;
  return {
    obsUnits: await db.query(
      `SELECT u.id, u.obs_unit, i.name AS instrument, u.started_at, u.finished_at, u.outcome, u.metadata
         FROM executed_obs_unit u JOIN instrument i ON i.id = u.instrument_id ORDER BY u.id`,
    ),
    files: await db.query(
      `SELECT f.id, f.relative_path, f.size, f.sha256, f.executed_obs_unit_id, im.name AS module,
              ${location} AS source, f.raw_data_package_id, f.created_at, f.file_created_at, f.file_type, f.metadata
         FROM raw_data_file f JOIN instrument_module im ON im.id = f.instrument_module_id
         JOIN data_location l ON l.id = f.source_location_id JOIN site s ON s.id = l.site_id ORDER BY f.id`,
    ),
    packages: await db.query(
      `SELECT p.id, p.name, p.relative_path, p.executed_obs_unit_id, im.name AS module, ${location} AS source,
              p.sequence, p.status, p.state, p.size, p.sha256, p.file_count, p.lta_site_count
         FROM raw_data_package p JOIN instrument_module im ON im.id = p.instrument_module_id
         JOIN data_location l ON l.id = p.source_location_id JOIN site s ON s.id = l.site_id ORDER BY p.id`,
    ),
    archiveCopies: await db.query(
      `SELECT c.kind, c.raw_data_package_id, c.raw_data_file_id, ${location} AS location, c.relative_path,
              c.status, c.size, c.sha256
         FROM physical_copy c JOIN data_location l ON l.id = c.location_id JOIN site s ON s.id = l.site_id
        WHERE l.location_type = 'long_term_archive' ORDER BY c.raw_data_package_id, location`,
    ),
  };
}
type Snapshot = Awaited<ReturnType<typeof snapshot>>;

/**
 * The database is lost; the archives are not. The pipeline (real processes, PostgreSQL, Redis, s3rver)
 * archives obs units of both instruments at both sites; then `ccat-dt catalogue rebuild --from-lta` runs
 * into fresh databases holding only the topology, and what it rebuilds is compared with the original.
 */
describe('catalogue rebuild from the long-term archives (real processes, PostgreSQL, Redis, s3rver)', () => {
  let h: PipelineHarness;
  let original: Snapshot;
  const databases: { db: TestDatabase; ds: DataSource; dataRoot: string }[] = [];

  /** A fresh migrated database with the demo topology applied and nothing else. */
  async function emptyCatalogue(withTopology = true) {
    const db = await createTestDatabase();
    const dataRoot = withTopology
      ? applyDemoTopology(db.url, { CCAT_S3_ENDPOINT: h.s3.endpoint }).dataRoot
      : '';
    const ds = new DataSource(typeOrmOptions(db.url, { extra: { max: 2 } }));
    await ds.initialize();
    databases.push({ db, ds, dataRoot });
    return { db, ds };
  }

  /**
   * Runs the built CLI. Not spawnSync: s3rver serves the archives from this very process, and must keep
   * answering while the CLI reads them.
   */
  function ccatDt(db: TestDatabase, args: string[]) {
    return new Promise<{ status: number | null; out: string; err: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [join(ROOT, 'bin', 'ccat-dt.js'), ...args], {
        env: { ...process.env, ...h.env(), DATABASE_URL: db.url },
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('error', reject);
      child.on('close', (status) => resolve({ status, out, err }));
    });
  }
  const rebuild = (db: TestDatabase, ...args: string[]) =>
    ccatDt(db, ['catalogue', 'rebuild', '--from-lta', ...args]);

  beforeAll(async () => {
    h = await PipelineHarness.start();
    await h.observe('primecam', ['pcam_280', 'pcam_350'], 8, 100_000);
    await h.observe('chai', ['lfa', 'hfa'], 8, 100_000);
    await h.observe('primecam', ['pcam_280', 'pcam_350'], 6, 100_000);
    await waitFor(
      'every package archived at both sites',
      async () => {
        const failed = await h.failures();
        if (failed.length) throw new Error(`failed: ${JSON.stringify(failed)}`);
        const rows = await h.packages();
        return rows.length === 6 && rows.every((p) => p.state === 'archived' && p.lta_site_count === 2);
      },
      300_000,
    );
    // Nothing changes the archived catalogue any more; the workers would only compete for the CPU.
    await Promise.all([...h.workers.values()].map((w) => w.stop()));
    original = await snapshot(h.db);
  }, 400_000);

  afterAll(async () => {
    for (const { db, ds, dataRoot } of databases) {
      await ds.destroy();
      await db.drop();
      if (dataRoot) rmSync(dataRoot, { recursive: true, force: true });
    }
    await h?.stop();
  });

  it('refuses (exit 2) a database without the topology, and a run without --from-lta', async () => {
    const { db } = await emptyCatalogue(false);
    const noTopology = await rebuild(db);
    expect(noTopology.status).toBe(2);
    expect(noTopology.err).toMatch(/no long-term-archive location: apply the topology first/);
    const noSource = await ccatDt(db, ['catalogue', 'rebuild']);
    expect(noSource.status).toBe(2);
    expect(noSource.err).toMatch(/give --from-lta/);
  });

  describe('a rebuild into an empty catalogue holding the topology', () => {
    let db: TestDatabase;
    let ds: DataSource;
    let first: Awaited<ReturnType<typeof rebuild>>;
    let rebuilt: Snapshot;

    // One rebuild; the tests below read what it wrote, then run it again over it.
    beforeAll(async () => {
      ({ db, ds } = await emptyCatalogue());
      first = await rebuild(db);
      rebuilt = await snapshot(ds);
    }, 120_000);

    it('exits 0 and says what it read and created: 12 sidecars, 6 packages, 3 obs units, 22 files, 12 copies', () => {
      expect(first.err).not.toMatch(/ccat-dt:/);
      expect(first.status).toBe(0);
      expect(first.out).toContain(
        'catalogue rebuild: 12 sidecars read (12 used), created 6 packages (0 already there), 3 obs units, 22 files, 12 archive copies (0 already there)',
      );
      const rate = /time: ([\d.]+) s, ([\d.]+) sidecars\/s/.exec(first.out)!;
      console.log(
        `catalogue rebuild of 12 sidecars (6 packages, 2 archives on s3rver): ${rate[1]} s, ${rate[2]} sidecars/s`,
      );
    });

    it('rebuilds obs units, files, packages and archive copies equal to the original, field by field', () => {
      expect(original.files).toHaveLength(22);
      expect(original.archiveCopies).toHaveLength(12);
      expect(rebuilt.obsUnits).toEqual(original.obsUnits);
      expect(rebuilt.files).toEqual(original.files);
      expect(rebuilt.packages).toEqual(original.packages);
      expect(rebuilt.archiveCopies).toEqual(original.archiveCopies);
    });

    it('invents no source or buffer copy, and records every archive copy as present by the rebuild', async () => {
      expect(await ds.query(`SELECT count(*)::int AS n FROM physical_copy`)).toEqual([{ n: 12 }]);
      const events: { actor: string; to_status: string }[] = await ds.query(
        `SELECT actor, to_status FROM physical_copy_event`,
      );
      expect(events).toEqual(Array(12).fill({ actor: 'catalogue-rebuild', to_status: 'present' }));
    });

    it('a re-run is refused (exit 2) into a catalogue that holds files; with --merge --verify it hashes every object and adds nothing', async () => {
      const again = await rebuild(db);
      expect(again.status).toBe(2);
      expect(again.err).toMatch(/already holds raw data files.*--merge/s);
      const merged = await rebuild(db, '--merge', '--verify');
      expect(merged.status).toBe(0);
      expect(merged.out).toContain(
        'created 0 packages (6 already there), 0 obs units, 0 files, 0 archive copies (12 already there)',
      );
      expect(merged.out).toMatch(/[1-9]\d* bytes verified/);
      expect(await snapshot(ds)).toEqual(rebuilt);
      expect(await ds.query(`SELECT count(*)::int AS n FROM physical_copy_event`)).toEqual([{ n: 12 }]);
    });

    it('does not overwrite a catalogue that says otherwise than the archives: the package is a conflict (exit 3)', async () => {
      const [file] = rebuilt.files as { id: string; relative_path: string; raw_data_package_id: string }[];
      await ds.query(`UPDATE raw_data_file SET sha256 = $2 WHERE id = $1`, [file.id, 'f'.repeat(64)]);
      const disagreeing = await rebuild(db, '--merge');
      expect(disagreeing.status).toBe(3);
      expect(disagreeing.out).toMatch(
        new RegExp(
          `^! conflict \\S+: file ${file.id} in the catalogue is ${file.relative_path} .*sha256 f{64}\\), the archive says`,
          'm',
        ),
      );
      expect(disagreeing.out).toContain('created 0 packages (5 already there)');
      expect(await ds.query(`SELECT count(*)::int AS n FROM physical_copy_event`)).toEqual([{ n: 12 }]);
    });
  });

  it('a dry run counts what it would create and writes nothing', async () => {
    const { db, ds } = await emptyCatalogue();
    const dry = await rebuild(db, '--dry-run', '--location', 'cologne/lta');
    expect(dry.status).toBe(0);
    expect(dry.out).toContain(
      '(dry run, nothing written): 6 sidecars read (6 used), would create 6 packages',
    );
    expect(await ds.query(`SELECT count(*)::int AS n FROM raw_data_file`)).toEqual([{ n: 0 }]);
    expect((await rebuild(db, '--location', 'nowhere/lta')).err).toMatch(
      /--location nowhere\/lta: not a long-term-archive location/,
    );
  });

  it('reports and skips a corrupted, a foreign and a conflicting sidecar and a missing package object, and rebuilds the rest (exit 3)', async () => {
    const [corrupted, foreign, missing, conflicting] = original.packages as {
      id: string;
      relative_path: string;
    }[];
    const key = (p: { relative_path: string }, json = true) =>
      `archive/${p.relative_path}${json ? '.json' : ''}`;
    const put = (bucket: string, k: string, body: Buffer | string) =>
      h.client.send(new PutObjectCommand({ Bucket: bucket, Key: k, Body: body }));
    // Half a sidecar in us; the us sidecar of another package in cologne's place; a package object gone from us;
    // and us disagreeing with cologne about one file's checksum.
    await put(BUCKETS.us, key(corrupted), (await h.getObject(BUCKETS.us, key(corrupted))).subarray(0, 100));
    await put(BUCKETS.cologne, key(foreign), await h.getObject(BUCKETS.us, key(foreign)));
    await h.client.send(new DeleteObjectCommand({ Bucket: BUCKETS.us, Key: key(missing, false) }));
    const disagreeing = parseSidecar(await h.getObject(BUCKETS.us, key(conflicting)));
    const changedFile = disagreeing.files[0];
    changedFile.sha256 = '0'.repeat(64);
    await put(BUCKETS.us, key(conflicting), serializeSidecar(disagreeing));
    await put(BUCKETS.cologne, 'archive/notes/readme.json', '{"not": "a sidecar"}');

    const { db, ds } = await emptyCatalogue();
    const run = await rebuild(db);
    expect(run.status).toBe(3);
    const problems = run.out.split('\n').filter((l) => l.startsWith('! '));
    expect(problems).toHaveLength(5);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          new RegExp(
            `^! invalid-sidecar us/lta:${corrupted.relative_path}.json: not a valid package sidecar: not JSON`,
          ),
        ),
        expect.stringMatching(
          new RegExp(`^! foreign-sidecar cologne/lta:${foreign.relative_path}.json: it describes us/lta`),
        ),
        expect.stringMatching(new RegExp(`^! missing-package-object us/lta:${missing.relative_path}.json`)),
        expect.stringMatching(
          new RegExp(
            `^! conflict ${conflicting.relative_path}: file ${changedFile.path} .*sha256 \\w+ in cologne/lta, 0{64} in us/lta`,
          ),
        ),
        expect.stringMatching(
          /^! invalid-sidecar cologne\/lta:notes\/readme.json: not a valid package sidecar: format/,
        ),
      ]),
    );
    expect(run.out).toMatch(/problems: 1 conflicts, 2 invalid and 1 foreign sidecars/);

    const rebuilt = await snapshot(ds);
    const copiesOf = (s: Snapshot, id: string) =>
      s.archiveCopies
        .filter((c: { raw_data_package_id: string }) => c.raw_data_package_id === id)
        .map((c: { location: string }) => c.location);
    expect(copiesOf(rebuilt, corrupted.id)).toEqual(['cologne/lta']);
    expect(copiesOf(rebuilt, foreign.id)).toEqual(['us/lta']);
    expect(copiesOf(rebuilt, missing.id)).toEqual(['cologne/lta']);
    // The conflicting package is not rebuilt at all: neither its row, nor its files, nor a copy.
    type Row = { id?: string; raw_data_package_id?: string };
    const without = (rows: Row[]) =>
      rows.filter((r) => r.id !== conflicting.id && r.raw_data_package_id !== conflicting.id);
    expect(rebuilt.files).toEqual(without(original.files));
    expect(
      rebuilt.packages.map((p: { id: string; lta_site_count: number }) => [p.id, p.lta_site_count]),
    ).toEqual(
      without(original.packages).map((p) => [
        p.id,
        [corrupted.id, foreign.id, missing.id].includes(p.id!) ? 1 : 2,
      ]),
    );
  });
});
