import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readBackFromArchives } from '../scripts/lib/archive-proof';
import { ChaosReport } from '../scripts/lib/chaos/report';
import { runChaos } from '../scripts/lib/chaos/run';
import { ChaosSettings } from '../scripts/lib/chaos/settings';
import { checkPresentCopies } from '../scripts/lib/chaos/storage-check';
import { checkDeletionTrail, findDuplicateCopies } from '../scripts/lib/chaos/trail-checks';
import { withAdminClient } from './support/test-database';

/**
 * The chaos run of `npm run chaos`, small: 60 files while a dozen kills of workers and managers, a Redis
 * restart without persistence and cologne's buffer switched off hit the pipeline; every check of the full
 * run must hold. Then the checks are shown to fail on a corrupted archive object, a deletion decided
 * without archive copies, and an archive copy taken out of service.
 */
describe('chaos run, small (real processes, a private Redis, s3rver)', () => {
  const database = `ccat_test_${process.pid}_chaos`;
  const dataRoot = mkdtempSync(join(tmpdir(), 'ccat-chaos-'));
  const logDir = mkdtempSync(join(tmpdir(), 'ccat-chaos-logs-'));
  const settings: ChaosSettings = {
    seed: Number(process.env.CHAOS_SEED ?? 8),
    files: 60,
    obsUnits: 4,
    maxSize: 2 * 1024 ** 2,
    batch: 10,
    kills: 12,
    killGapMs: 2500,
    restartMinMs: 200,
    restartMaxMs: 2500,
    bufferOffMs: 12_000,
    bandwidth: '4MiB',
    managers: 2,
    convergeMs: 300_000,
    database,
    dataRoot,
    logDir,
  };
  const lines: string[] = [];
  let report: ChaosReport;
  let runPassed = false;
  const tampered: Record<string, unknown> = {};

  beforeAll(async () => {
    report = await runChaos(settings, (line) => lines.push(line), {
      inspect: async ({ db, s3, files, env }) => {
        // An archive object overwritten with other bytes of the same length.
        const { rows } = await db.query(
          `SELECT l.s3_bucket AS bucket, l.s3_prefix || c.relative_path AS key, c.size::int AS size
             FROM physical_copy c JOIN data_location l ON l.id = c.location_id
            WHERE l.location_type = 'long_term_archive' AND c.status = 'present' ORDER BY c.relative_path LIMIT 1`,
        );
        const client = new S3Client({
          endpoint: s3.endpoint,
          region: 'us-east-1',
          forcePathStyle: true,
          credentials: s3.credentials,
        });
        await client.send(
          new PutObjectCommand({
            Bucket: rows[0].bucket,
            Key: rows[0].key,
            Body: Buffer.alloc(rows[0].size, 7),
          }),
        );
        await client.send(
          new PutObjectCommand({ Bucket: rows[0].bucket, Key: 'archive/stray.bin', Body: 'no row names me' }),
        );
        client.destroy();
        tampered.corrupted = {
          key: rows[0].key,
          files: Number(
            (
              await db.query(
                `SELECT count(*)::int AS n FROM raw_data_file f JOIN physical_copy c ON c.raw_data_package_id = f.raw_data_package_id
                   JOIN data_location l ON l.id = c.location_id
                  WHERE l.s3_bucket = $1 AND l.s3_prefix || c.relative_path = $2`,
                [rows[0].bucket, rows[0].key],
              )
            ).rows[0].n,
          ),
        };
        tampered.archives = await readBackFromArchives(db, s3, files, 2);
        tampered.storage = await checkPresentCopies(env);
        // Both archive copies of a package go, then a source copy of one of its files is scheduled for
        // deletion: decided with no archive copy in place.
        await db.query('BEGIN');
        await db.query(`SELECT set_config('ccat.actor', 'chaos-test-tamper', true)`);
        const [{ package_id: pkg, file_id: file }] = (
          await db.query(
            `SELECT raw_data_package_id AS package_id, id AS file_id FROM raw_data_file ORDER BY relative_path LIMIT 1`,
          )
        ).rows;
        await db.query(
          `UPDATE physical_copy SET status = 'deleted' WHERE raw_data_package_id = $1
              AND location_id IN (SELECT id FROM data_location WHERE location_type = 'long_term_archive')`,
          [pkg],
        );
        await db.query(
          `INSERT INTO physical_copy (kind, raw_data_file_id, location_id, relative_path, status, size, sha256, verified_at)
           SELECT 'raw_data_file', f.id, l.id, f.relative_path, 'present', f.size, f.sha256, now()
             FROM raw_data_file f, data_location l WHERE f.id = $1 AND l.location_type = 'source'`,
          [file],
        );
        await db.query(
          `UPDATE physical_copy SET status = 'deletion_scheduled' WHERE raw_data_file_id = $1 AND status = 'present'`,
          [file],
        );
        await db.query('COMMIT');
        tampered.trail = await checkDeletionTrail(db, 2);
        // A second live copy of that file at the source: the database itself refuses it.
        await db.query(`BEGIN; SELECT set_config('ccat.actor', 'chaos-test-tamper', true)`);
        tampered.duplicate = await db
          .query(
            `INSERT INTO physical_copy (kind, raw_data_file_id, location_id, relative_path, status, size, sha256, verified_at)
             SELECT kind, raw_data_file_id, location_id, relative_path, status, size, sha256, verified_at
               FROM physical_copy WHERE raw_data_file_id = $1 AND status <> 'deleted'`,
            [file],
          )
          .then(
            () => 'accepted',
            (err: Error) => err.message,
          );
        await db.query('ROLLBACK');
        tampered.duplicates = await findDuplicateCopies(db);
      },
    }).catch((err: Error) => {
      // What the driver printed up to the error says where the run was.
      throw new Error(`${err.message}\n\n${lines.join('\n')}`);
    });
    runPassed = report.failures().length === 0;
  }, 900_000);

  afterAll(async () => {
    await withAdminClient((c) => c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
    rmSync(dataRoot, { recursive: true, force: true });
    // The processes' logs are what explains a failed run: kept then, and named in the failure.
    if (runPassed) rmSync(logDir, { recursive: true, force: true });
  });

  it('passes every check: all files verified at both archives, copies match storage, no duplicates, no early deletion, converged', () => {
    const failures = report.failures();
    if (failures.length) throw new Error(`${failures.join('\n')}\n\n${lines.join('\n')}`);
    expect(report.archives!.verified).toBe(60);
    expect(report.storage!.copiesChecked).toBeGreaterThanOrEqual(2);
    expect(report.storage!.dark).toEqual([]);
    expect(report.convergence!.converged).toBe(true);
    expect(report.convergence!.ms).toBeLessThan(300_000);
    // Deletion was on: every source copy went, each after its package was archived twice.
    expect(report.trail!.sourceDeletions).toBe(60);
  });

  it('played every planned fault: the kills and their restarts, one Redis restart, the buffer off and on', () => {
    const count = (kind: string) => report.faults.filter((f) => f.kind === kind).length;
    expect(count('kill')).toBe(12);
    expect(count('restart')).toBe(12);
    expect(count('redis-restart')).toBe(2);
    expect(count('buffer-off')).toBe(1);
    expect(count('buffer-on')).toBe(1);
    expect([...report.kills.values()].reduce((a, b) => a + b, 0)).toBe(12);
  });

  it('catches what it is there to catch: a corrupted archive object, a stray object, an early deletion, an archive copy gone', () => {
    // The corrupted object cannot be read, and its package's files are verified at one site only.
    const archives = tampered.archives as { verified: number; problems: string[] };
    const corrupted = tampered.corrupted as { key: string; files: number };
    expect(archives.problems).toEqual([expect.stringContaining(`${corrupted.key} cannot be read as a tar`)]);
    expect(corrupted.files).toBeGreaterThanOrEqual(1);
    expect(archives.verified).toBe(60 - corrupted.files);
    const storage = tampered.storage as { lost: string[]; dark: string[] };
    expect(storage.lost).toHaveLength(1);
    expect(storage.dark).toEqual([expect.stringMatching(/lta:stray\.bin$/)]);
    const trail = tampered.trail as { violations: string[] };
    expect(
      trail.violations.some((v) => /with verified archive copies at 0 site\(s\) made before it/.test(v)),
    ).toBe(true);
    expect(trail.violations.some((v) => /an archive copy went deleted/.test(v))).toBe(true);
    // The database itself refuses a second live copy at a location; the check would name one.
    expect(tampered.duplicate).toMatch(/uq_physical_copy_live_file/);
    expect(tampered.duplicates).toEqual([]);
  });
});
