import { globSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** Each stage's tables, and the folder that alone may name them in SQL. */
const OWNER: Record<string, string> = {
  raw_data_file: 'src/pipeline/ingest/',
  raw_data_file_totals: 'src/pipeline/ingest/',
  executed_obs_unit: 'src/pipeline/ingest/',
  raw_data_package: 'src/pipeline/packaging/',
  data_transfer_package: 'src/pipeline/bundling/',
  data_transfer: 'src/pipeline/transfer/',
  long_term_archive_transfer: 'src/pipeline/archive/',
  staging_job: 'src/pipeline/staging/',
  staging_job_package: 'src/pipeline/staging/',
  deletion_switch: 'src/pipeline/deletion/',
  replication_switch: 'src/pipeline/archive/',
};

/**
 * Files outside a stage that still name its tables, each with why. Other stages ask through the owner's
 * named fragments (`*.queries.ts`); an entry here is either a reader of every stage by design or work
 * not yet moved (the list may only shrink: a new file naming another stage's table fails this test).
 */
const ALLOWED: Record<string, string> = {
  // The one definition of "safe": it reads a package's state and recounted archive sites, and sits beside
  // the copies it counts so that the copy transitions keep the count true without the catalogue layer
  // importing a stage.
  'src/catalog/physical-copies/package-safety.ts': 'the safety definition',
  // Rebuilds every table from the archives' sidecars: it writes all stages' rows by design.
  'src/operations/catalogue-rebuild/catalogue-writer.ts': 'writes every stage from the archives',
  'src/operations/catalogue-rebuild/catalogue-rebuild.service.ts': 'writes every stage from the archives',
  // One file's whole story across every stage, as one read.
  'src/operations/explain/explain.service.ts': 'reads every stage for one file',
};

/** Table names in SQL position (after FROM, JOIN, UPDATE, INTO) in the TypeScript under src/. */
function namedTables(source: string): Set<string> {
  const found = new Set<string>();
  for (const match of source.matchAll(/\b(?:FROM|JOIN|UPDATE|INTO)\s+([a-z_]+)\b/g)) found.add(match[1]);
  return found;
}

function crossings(): string[] {
  const files = globSync('src/**/*.ts', { cwd: ROOT }).filter(
    (f) => !f.endsWith('.spec.ts') && !f.includes('/migrations/'),
  );
  const out: string[] = [];
  for (const file of files) {
    if (ALLOWED[file]) continue;
    for (const table of namedTables(readFileSync(join(ROOT, file), 'utf8'))) {
      const owner = OWNER[table];
      if (owner && !file.startsWith(owner)) out.push(`${file} names ${table} (owned by ${owner})`);
    }
  }
  return out.sort();
}

describe('table ownership', () => {
  it('no file outside a stage names that stage’s tables in SQL, but for the listed readers of every stage', () => {
    expect(crossings()).toEqual([]);
  });

  it('lists only files that still need it, so the allow-list shrinks as work moves to its stage', () => {
    const stale = Object.keys(ALLOWED).filter((file) => {
      const tables = [...namedTables(readFileSync(join(ROOT, file), 'utf8'))];
      return !tables.some((t) => OWNER[t] && !file.startsWith(OWNER[t]));
    });
    expect(stale).toEqual([]);
  });
});
