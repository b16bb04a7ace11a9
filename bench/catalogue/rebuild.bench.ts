import { spawnSync } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Client } from 'pg';
import {
  PackageSidecar,
  serializeSidecar,
  SIDECAR_FORMAT,
  sidecarPath,
} from '../../src/pipeline/archive/package-sidecar';

/**
 * bench/catalogue: `ccat-dt catalogue rebuild --from-lta` over PACKAGES packages of FILES files each, archived
 * at two disk archives (2 x PACKAGES sidecars beside small package objects), into an empty database with
 * the topology applied: the rebuild's sidecars/s, then the same run again with --merge (nothing to add),
 * then with --verify (every package object hashed). Needs PostgreSQL (TEST_DATABASE_SERVER_URL) and Redis.
 */
const PACKAGES = Number(process.env.BENCH_CATALOGUE_PACKAGES ?? 2000);
const FILES = Number(process.env.BENCH_CATALOGUE_FILES ?? 20);
const SERVER = process.env.TEST_DATABASE_SERVER_URL ?? 'postgres://postgres@127.0.0.1:5432';
const ROOT = join(__dirname, '..', '..', '..');
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function topology(base: string): string {
  const disk = (name: string, type: string) =>
    `      - { name: ${name}, type: ${type}, storage: disk, rootPath: ${join(base, name)} }`;
  return `observatory:
  name: CCAT
  telescopes:
    - name: FYST
      instruments:
        - { name: primecam, modules: [pcam_280, pcam_350] }
sites:
  - name: CCAT Observatory
    shortName: ccat
    locations:
${disk('telescope_computer', 'source')}
  - name: University of Cologne
    shortName: cologne
    locations:
${disk('lta', 'long_term_archive')}
  - name: Cornell University
    shortName: us
    locations:
${disk('us_lta', 'long_term_archive')}
`;
}

/** Writes one package object and its sidecar into both archives, as stage 5 would have. */
function archivePackage(base: string, n: number): void {
  const unit = randomUUID();
  const name = `${unit}_pcam_280_1`;
  const relativePath = `primecam/${unit}/${name}.tar`;
  const tar = randomBytes(1024 + (n % 512));
  const now = new Date().toISOString();
  const files = Array.from({ length: FILES }, (_, i) => {
    const bytes = randomBytes(64);
    return {
      id: randomUUID(),
      path: `primecam/${unit}/pcam_280/scan_${i}.fits`,
      size: bytes.length,
      sha256: sha256(bytes),
      registeredAt: now,
      fileCreatedAt: null,
      fileType: 'fits',
      metadata: { scan: i },
    };
  });
  for (const [site, location] of [
    ['cologne', 'lta'],
    ['us', 'us_lta'],
  ]) {
    const sidecar: PackageSidecar = {
      format: SIDECAR_FORMAT,
      package: { id: unit, name, relativePath, size: tar.length, sha256: sha256(tar), sequence: 1 },
      obsUnit: {
        id: unit,
        name: `field_${n}`,
        startedAt: now,
        finishedAt: now,
        outcome: 'success',
        metadata: null,
      },
      instrument: 'primecam',
      instrumentModule: 'pcam_280',
      source: { site: 'ccat', location: 'telescope_computer' },
      files,
      archive: { site, location },
      archivedAt: now,
    };
    const object = join(base, location, relativePath);
    mkdirSync(dirname(object), { recursive: true });
    writeFileSync(object, tar);
    writeFileSync(join(base, location, sidecarPath(relativePath)), serializeSidecar(sidecar));
  }
}

function ccatDt(env: NodeJS.ProcessEnv, ...args: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'ccat-dt.js'), ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

async function main(): Promise<void> {
  const base = mkdtempSync(join(tmpdir(), 'ccat-bench-catalogue-'));
  const database = `ccat_bench_catalogue_${process.pid}`;
  const admin = new Client({ connectionString: `${SERVER}/postgres` });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${database}"`);
  const env = { DATABASE_URL: `${SERVER}/${database}`, REDIS_KEY_PREFIX: `bench-catalogue-${process.pid}:` };
  try {
    const topologyFile = join(base, 'topology.yaml');
    writeFileSync(topologyFile, topology(base));
    for (const args of [['migrate'], ['topology', 'apply', topologyFile]]) {
      const r = ccatDt(env, ...args);
      if (r.status !== 0) throw new Error(`ccat-dt ${args.join(' ')}: ${r.out}`);
    }
    for (let n = 0; n < PACKAGES; n++) archivePackage(base, n);

    console.log(`\nbench/catalogue rebuild: ${PACKAGES} packages x ${FILES} files, 2 disk archives`);
    for (const args of [[], ['--merge'], ['--merge', '--verify']]) {
      const started = Date.now();
      const r = ccatDt(env, 'catalogue', 'rebuild', '--from-lta', ...args);
      const wall = (Date.now() - started) / 1000;
      if (r.status !== 0) throw new Error(`rebuild ${args.join(' ')} exited ${r.status}: ${r.out}`);
      const summary = r.out.split('\n').filter((l) => /^(catalogue rebuild|time)/.test(l));
      console.log(`  rebuild ${args.join(' ') || '(empty database)'}: ${wall.toFixed(1)} s wall`);
      for (const line of summary) console.log(`    ${line}`);
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await admin.end();
    rmSync(base, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  console.error(`bench/catalogue failed: ${err.message}`);
  process.exit(1);
});
