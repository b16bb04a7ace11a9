import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { DataSource, EntityManager } from 'typeorm';
import { typeOrmOptions } from '../src/database/typeorm-options';
import {
  DeletionPolicy,
  deletableUnder,
  findDeletable,
  packageOf,
} from '../src/pipeline/deletion/deletion-rules';
import { lockCountedArchiveCopies } from '../src/catalog/physical-copies/package-safety';
import { applyDemoTopology } from './support/processes';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { insertObsUnit, insertRawDataFile, insertRawDataPackage } from './support/factories';
import { OperationStatus } from '../src/engine/work/operation-status';
import { PackageState } from '../src/pipeline/packaging/raw-data-package.states';

/**
 * The deletion rules against an oracle written apart from them, in plain TypeScript, on random
 * topologies and random copy states: a source file copy, and the package tar at a buffer (its bundle
 * distributed, no upload open), may go exactly when the oracle says the package is safe. Each case is
 * built in one transaction of one real database and rolled back, so hundreds stay cheap.
 */

type ArchiveCopyState = 'present' | 'lost' | 'deleted' | 'deletion_in_progress' | 'none';

interface ArchiveLocation {
  active: boolean;
  copy: ArchiveCopyState;
  /** The copy carries the package's own SHA-256 (else another one). */
  sameChecksum: boolean;
  /** Its storage showed it within DELETION_WITNESS_MAX_AGE (else long before). */
  witnessed: boolean;
}

interface Case {
  sites: ArchiveLocation[][];
  archived: boolean;
  minSites: number;
}

/** The oracle: the words, not the code's SQL. */
function oracleSafe(c: Case): boolean {
  if (!c.archived) return false;
  const sitesHolding = c.sites.filter((locations) =>
    locations.some((l) => l.copy === 'present' && l.sameChecksum && l.witnessed),
  ).length;
  return sitesHolding >= c.minSites;
}

const archiveLocation: fc.Arbitrary<ArchiveLocation> = fc.record({
  active: fc.boolean(),
  copy: fc.constantFrom<ArchiveCopyState>(
    'present',
    'present',
    'lost',
    'deleted',
    'deletion_in_progress',
    'none',
  ),
  sameChecksum: fc.oneof(
    { weight: 5, arbitrary: fc.constant(true) },
    { weight: 1, arbitrary: fc.constant(false) },
  ),
  witnessed: fc.oneof(
    { weight: 5, arbitrary: fc.constant(true) },
    { weight: 1, arbitrary: fc.constant(false) },
  ),
});

const aCase: fc.Arbitrary<Case> = fc.record({
  sites: fc.array(fc.array(archiveLocation, { minLength: 1, maxLength: 3 }), { minLength: 2, maxLength: 4 }),
  archived: fc.oneof(
    { weight: 4, arbitrary: fc.constant(true) },
    { weight: 1, arbitrary: fc.constant(false) },
  ),
  minSites: fc.integer({ min: 1, max: 4 }),
});

const WITNESS_MAX_AGE_MS = 600_000;
const SHA = 'b'.repeat(64);
const OTHER_SHA = 'c'.repeat(64);

describe('deletion rules vs. an oracle of "safe at N sites" (property, PostgreSQL)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let dataRoot: string;
  let base: { source: number; buffer: number; instrument: number; module: number };
  const seed = process.env.SAFETY_SEED ? Number(process.env.SAFETY_SEED) : Date.now() % 2 ** 31;

  beforeAll(async () => {
    db = await createTestDatabase();
    ({ dataRoot } = applyDemoTopology(db.url));
    ds = await new DataSource(typeOrmOptions(db.url)).initialize();
    const [row] = await ds.query(
      `SELECT (SELECT l.id FROM data_location l JOIN site s ON s.id = l.site_id
                WHERE s.short_name = 'ccat' AND l.name = 'telescope_computer') AS source,
              (SELECT l.id FROM data_location l JOIN site s ON s.id = l.site_id
                WHERE s.short_name = 'ccat' AND l.name = 'buffer') AS buffer,
              (SELECT id FROM instrument WHERE name = 'primecam') AS instrument,
              (SELECT id FROM instrument_module WHERE name = 'pcam_280') AS module`,
    );
    base = row;
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
    rmSync(dataRoot, { recursive: true, force: true });
  });

  /** Builds the case in `m`; returns the source file copy and the buffer package copy. */
  async function build(m: EntityManager, c: Case): Promise<{ sourceCopy: string; bufferCopy: string }> {
    await m.query(`SELECT set_config('ccat.actor', 'property-test', true)`);
    const unit = await insertObsUnit(m, { obsUnit: 'p' });
    const [bundle] = await m.query(
      `INSERT INTO data_transfer_package (name, relative_path, origin_location_id, status, size, sha256, package_count, distributed_at)
       VALUES ($1, $1, $2, 'completed', 1, $3, 1, now()) RETURNING id`,
      [`bundle_${unit}`, base.buffer, 'd'.repeat(64)],
    );
    const pkg = await insertRawDataPackage(m, unit, {
      name: `p_${unit}`,
      relativePath: `p_${unit}`,
      module: base.module,
      source: base.source,
      status: OperationStatus.COMPLETED,
      state: c.archived ? PackageState.ARCHIVED : PackageState.WAITING,
      size: 10,
      sha256: SHA,
      fileCount: 1,
      dataTransferPackageId: bundle.id,
    });
    const file = {
      id: await insertRawDataFile(m, {
        unit,
        path: `f_${unit}`,
        size: 1,
        sha256: 'e'.repeat(64),
        module: base.module,
        source: base.source,
        packageId: pkg.id,
      }),
    };
    // The copies, and the archive sites and locations below, stay SQL: they are the cases' odd rows
    // (another checksum, a stale witness, an inactive location, copies in every status) that no factory
    // makes.
    const copy = async (cols: Record<string, unknown>): Promise<string> => {
      const [row] = await m.query(
        `INSERT INTO physical_copy (kind, raw_data_file_id, raw_data_package_id, location_id, relative_path, status, size, sha256, verified_at)
         VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8) RETURNING id`,
        [
          cols.kind,
          cols.file ?? null,
          cols.pkg ?? null,
          cols.location,
          `x/${randomUUID()}`,
          cols.status,
          cols.sha,
          cols.verifiedAt,
        ],
      );
      return row.id;
    };
    for (const [i, locations] of c.sites.entries()) {
      const [site] = await m.query(`INSERT INTO site (name, short_name) VALUES ($1, $1) RETURNING id`, [
        `prop_site_${i}`,
      ]);
      for (const [j, l] of locations.entries()) {
        const [loc] = await m.query(
          `INSERT INTO data_location (site_id, name, location_type, storage_type, active, root_path)
           VALUES ($1, $2, 'long_term_archive', 'disk', $3, $4) RETURNING id`,
          [site.id, `lta_${j}`, l.active, `/prop/${i}/${j}`],
        );
        if (l.copy === 'none') continue;
        await copy({
          kind: 'raw_data_package',
          pkg: pkg.id,
          location: loc.id,
          status: l.copy,
          sha: l.sameChecksum ? SHA : OTHER_SHA,
          verifiedAt: new Date(Date.now() - (l.witnessed ? 1000 : 2 * WITNESS_MAX_AGE_MS)),
        });
      }
    }
    const sourceCopy = await copy({
      kind: 'raw_data_file',
      file: file.id,
      location: base.source,
      status: 'present',
      sha: 'e'.repeat(64),
      verifiedAt: new Date(0),
    });
    const bufferCopy = await copy({
      kind: 'raw_data_package',
      pkg: pkg.id,
      location: base.buffer,
      status: 'present',
      sha: SHA,
      verifiedAt: new Date(0),
    });
    return { sourceCopy, bufferCopy };
  }

  it('lets a source or buffer copy go exactly when the package is safe at DELETION_MIN_LTA_SITES sites (200+ cases)', async () => {
    console.log(`deletion safety property: seed ${seed} (SAFETY_SEED to replay)`);
    let safeCases = 0;
    let cases = 0;
    await fc.assert(
      fc.asyncProperty(aCase, async (c) => {
        cases++;
        const runner = ds.createQueryRunner();
        await runner.connect();
        await runner.startTransaction();
        try {
          const m = runner.manager;
          const { sourceCopy, bufferCopy } = await build(m, c);
          const policy: DeletionPolicy = {
            minLtaSites: c.minSites,
            witnessMaxAgeMs: WITNESS_MAX_AGE_MS,
            retentionMs: { source: 0, buffer: 0, processing: 0 },
          };
          const expected = oracleSafe(c);
          if (expected) safeCases++;
          for (const copyId of [sourceCopy, bufferCopy]) {
            await lockCountedArchiveCopies(m, (await packageOf(m, copyId))!);
            expect({ copyId, safe: (await deletableUnder(m, policy, copyId)) !== null }).toEqual({
              copyId,
              safe: expected,
            });
          }
          const found = await findDeletable(m, policy, { limit: 10, locationId: base.source });
          expect(found.some((f) => f.copyId === sourceCopy)).toBe(expected);
        } finally {
          await runner.rollbackTransaction();
          await runner.release();
        }
      }),
      { seed, numRuns: 200 },
    );
    console.log(`deletion safety property: ${cases} cases, ${safeCases} safe by the oracle`);
    expect(cases).toBeGreaterThanOrEqual(200);
    expect(safeCases).toBeGreaterThan(10);
    expect(cases - safeCases).toBeGreaterThan(10);
  }, 120_000);
});
