import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { DomainError } from '../src/engine/errors/domain-error';
import { typeOrmOptions } from '../src/database/typeorm-options';
import { CopyStatus } from '../src/catalog/physical-copies/physical-copy.states';
import { parseTopologyFile } from '../src/catalog/topology/topology-file';
import { TopologyChange, TopologyService } from '../src/catalog/topology/topology.service';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { insertObsUnit, insertRawDataFile } from './support/factories';

const ROOT = join(__dirname, '..');
const DEMO_PATH = join(ROOT, 'config/topology.demo.yaml');
const DEMO = readFileSync(DEMO_PATH, 'utf8');
/** 1 observatory, 1 telescope, 2 instruments, 4 modules, 3 sites, 9 locations. */
const DEMO_ROWS = 20;
const COLOGNE_BUFFER = '/tmp/ccat-data/cologne/buffer';
const TABLES = ['observatory', 'telescope', 'instrument', 'instrument_module', 'site', 'data_location'];

/** The demo file, edited; parsed with an empty environment so every default applies. */
const demo = (edit: (text: string) => string = (t) => t) => parseTopologyFile(edit(DEMO), {});
/** Replaces the priority and rootPath lines of the cologne buffer by `lines`. */
const withCologneBuffer = (lines: string) => (text: string) => {
  const old = `priority: 1\n        rootPath: \${CCAT_DATA_ROOT:-/tmp/ccat-data}/cologne/buffer\n`;
  if (!text.includes(old)) throw new Error('the demo file no longer has the cologne buffer this test edits');
  return text.replace(old, `${lines}\n`);
};
const actions = (changes: TopologyChange[]) => changes.map((c) => `${c.action} ${c.entity} ${c.key}`);
const notUnchanged = (changes: TopologyChange[]) => changes.filter((c) => c.action !== 'unchanged');

let db: TestDatabase;
let ds: DataSource;
let topology: TopologyService;

beforeEach(async () => {
  db = await createTestDatabase();
  ds = await new DataSource(typeOrmOptions(db.url)).initialize();
  topology = new TopologyService(ds);
});

afterEach(async () => {
  await ds?.destroy();
  await db?.drop();
});

async function counts(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of TABLES) out[t] = (await ds.query(`SELECT count(*)::int AS n FROM ${t}`))[0].n;
  return out;
}

async function location(site: string, name: string): Promise<Record<string, unknown>> {
  const rows = await ds.query(
    `SELECT l.* FROM data_location l JOIN site s ON s.id = l.site_id WHERE s.short_name = $1 AND l.name = $2`,
    [site, name],
  );
  return rows[0];
}

/** A raw file registered at the ccat source with one copy in `status` at the given location. */
async function putCopy(site: string, name: string, status: CopyStatus): Promise<void> {
  const obsUnit = await insertObsUnit(ds, { obsUnit: 'scan_1', finished: false });
  const file = randomUUID();
  const sha = 'a'.repeat(64);
  await insertRawDataFile(ds, {
    id: file,
    unit: obsUnit,
    path: `obs/${file}.fits`,
    size: 10,
    sha256: sha,
    source: (await location('ccat', 'telescope_computer')).id as number,
  });
  const locationId = (await location(site, name)).id;
  // Set up directly in any status (SQL: no factory makes a copy in an arbitrary status); the audit trigger
  // wants the transaction to say who did it.
  await ds.transaction(async (m) => {
    await m.query(`SELECT set_config('ccat.actor', 'topology-test', true)`);
    await m.query(
      `INSERT INTO physical_copy (kind, raw_data_file_id, location_id, relative_path, status, size, sha256, verified_at)
       VALUES ('raw_data_file', $1, $2, $3, $4, 10, $5, now())`,
      [file, locationId, `obs/${file}.fits`, status, sha],
    );
  });
}

describe('TopologyService.apply', () => {
  it('creates the demo topology', async () => {
    const changes = await topology.apply(demo());
    expect(changes).toHaveLength(DEMO_ROWS);
    expect(changes.every((c) => c.action === 'create')).toBe(true);
    expect(actions(changes)).toContain('create module chai/hfa');
    expect(actions(changes)).toContain('create location cologne_ramses_processing');
    expect(await counts()).toEqual({
      observatory: 1,
      telescope: 1,
      instrument: 2,
      instrument_module: 4,
      site: 3,
      data_location: 9,
    });
    expect(await location('cologne', 'buffer_backup')).toMatchObject({
      location_type: 'buffer',
      storage_type: 'disk',
      priority: 3,
      active: false,
      root_path: '/tmp/ccat-data/cologne/buffer_backup',
      disk_usage_threshold_percent: 90,
      s3_bucket: null,
    });
    expect(await location('us', 'lta')).toMatchObject({
      location_type: 'long_term_archive',
      storage_type: 's3',
      root_path: null,
      s3_endpoint: 'http://127.0.0.1:4569',
      s3_bucket: 'ccat-us-lta',
      s3_prefix: 'archive/',
      s3_region: 'us-east-1',
      s3_access_key_env: 'US_S3_ACCESS_KEY',
      s3_secret_key_env: 'US_S3_SECRET_KEY',
    });
    const [chain] = await ds.query(
      `SELECT o.name AS observatory, t.name AS telescope FROM instrument i JOIN telescope t ON t.id = i.telescope_id
       JOIN observatory o ON o.id = t.observatory_id WHERE i.name = 'chai'`,
    );
    expect(chain).toEqual({ observatory: 'CCAT', telescope: 'FYST' });
  });

  it('changes nothing when applied again', async () => {
    await topology.apply(demo());
    const before = await counts();
    const stamps = await ds.query(`SELECT id, updated_at FROM data_location ORDER BY id`);
    const again = await topology.apply(demo());
    expect(again).toHaveLength(DEMO_ROWS);
    expect(notUnchanged(again)).toEqual([]);
    expect(await counts()).toEqual(before);
    expect(await ds.query(`SELECT id, updated_at FROM data_location ORDER BY id`)).toEqual(stamps);
  });

  it('reports exactly the one field that changed', async () => {
    await topology.apply(demo());
    const changes = await topology.apply(
      demo(withCologneBuffer(`priority: 2\n        rootPath: ${COLOGNE_BUFFER}`)),
    );
    expect(notUnchanged(changes)).toEqual([
      { action: 'update', entity: 'location', key: 'cologne_buffer', fields: { priority: [1, 2] } },
    ]);
    expect((await location('cologne', 'buffer')).priority).toBe(2);
  });

  it('writes nothing on a dry run', async () => {
    expect(await topology.apply(demo(), { dryRun: true })).toHaveLength(DEMO_ROWS);
    expect(Object.values(await counts())).toEqual([0, 0, 0, 0, 0, 0]);
    await topology.apply(demo());
    const changes = await topology.apply(
      demo((t) => t.replace('priority: 3\n        active: false', 'priority: 3\n        active: true')),
      { dryRun: true },
    );
    expect(notUnchanged(changes)).toEqual([
      {
        action: 'update',
        entity: 'location',
        key: 'cologne_buffer_backup',
        fields: { active: [false, true] },
      },
    ]);
    expect((await location('cologne', 'buffer_backup')).active).toBe(false);
  });

  it('reports rows missing from the file and leaves them alone', async () => {
    await topology.apply(demo());
    const withoutUs = demo((t) => t.slice(0, t.indexOf('  # Second archive')).replace('[lfa, hfa]', '[lfa]'));
    const changes = await topology.apply(withoutUs);
    expect(notUnchanged(changes)).toEqual([
      { action: 'absent', entity: 'module', key: 'chai/hfa' },
      { action: 'absent', entity: 'site', key: 'us' },
      { action: 'absent', entity: 'location', key: 'us_buffer' },
      { action: 'absent', entity: 'location', key: 'us_lta' },
    ]);
    expect((await counts()).data_location).toBe(9);
    expect((await location('us', 'lta')).active).toBe(true);
  });

  it.each([
    CopyStatus.PRESENT,
    CopyStatus.STAGED,
    CopyStatus.DELETION_FAILED,
    CopyStatus.DELETION_IN_PROGRESS,
  ])('refuses to move a location holding a %s copy and writes nothing at all', async (status) => {
    await topology.apply(demo());
    await putCopy('cologne', 'buffer', status);
    await putCopy('cologne', 'buffer', CopyStatus.DELETED);
    const before = await counts();
    const moved = demo((t) =>
      withCologneBuffer('rootPath: /srv/new-buffer')(t)
        .replace('location: Ithaca, NY, USA', 'location: Somewhere else')
        .replace('[lfa, hfa]', '[lfa, hfa, extra]'),
    );
    const error = await topology.apply(moved).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('UNSAFE_TOPOLOGY_CHANGE');
    expect((error as DomainError).message).toContain(
      `location cologne_buffer: rootPath ${COLOGNE_BUFFER} -> /srv/new-buffer refused, it still holds 1 live physical copy`,
    );
    expect(await location('cologne', 'buffer')).toMatchObject({ root_path: COLOGNE_BUFFER, priority: 1 });
    // The other changes of the same file were not applied either.
    const [us] = await ds.query(`SELECT location FROM site WHERE short_name = 'us'`);
    expect(us.location).toBe('Ithaca, NY, USA');
    expect(await counts()).toEqual(before);
  });

  it('refuses to change the bucket of an archive that holds data, and a dry run says so too', async () => {
    await topology.apply(demo());
    await putCopy('us', 'lta', CopyStatus.PRESENT);
    const rebucket = demo((t) => t.replace('bucket: ccat-us-lta', 'bucket: ccat-us-lta-2'));
    await expect(topology.apply(rebucket, { dryRun: true })).rejects.toThrow(
      /location us_lta: s3\.bucket ccat-us-lta -> ccat-us-lta-2 refused/,
    );
    await expect(topology.apply(rebucket)).rejects.toThrow(/UNSAFE|refused/);
    expect((await location('us', 'lta')).s3_bucket).toBe('ccat-us-lta');
  });

  it('moves a location whose copies are all deleted, and one that never held any', async () => {
    await topology.apply(demo());
    await putCopy('cologne', 'buffer', CopyStatus.DELETED);
    const changes = await topology.apply(
      demo((t) =>
        withCologneBuffer('rootPath: /srv/new-buffer')(t).replace('/cologne/ramses_processing', '/ramses'),
      ),
    );
    expect(notUnchanged(changes)).toEqual([
      {
        action: 'update',
        entity: 'location',
        key: 'cologne_buffer',
        fields: { rootPath: [COLOGNE_BUFFER, '/srv/new-buffer'] },
      },
      {
        action: 'update',
        entity: 'location',
        key: 'cologne_ramses_processing',
        fields: { rootPath: ['/tmp/ccat-data/cologne/ramses_processing', '/tmp/ccat-data/ramses'] },
      },
    ]);
    expect((await location('cologne', 'buffer')).root_path).toBe('/srv/new-buffer');
  });

  it('refuses a site name that belongs to a site missing from the file', async () => {
    await topology.apply(demo());
    const renamed = demo((t) => t.replace('shortName: us', 'shortName: cornell'));
    await expect(topology.apply(renamed)).rejects.toThrow(
      'site name "Cornell University" already belongs to site us, which is not in the file',
    );
    expect((await counts()).site).toBe(3);
  });

  describe('refuses two locations that are one storage, naming both, and writes nothing', () => {
    const refusal = async (file: ReturnType<typeof demo>) => {
      const error = await topology.apply(file).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).code).toBe('UNSAFE_TOPOLOGY_CHANGE');
      return (error as DomainError).message;
    };

    it('two archives in one bucket of one S3 service, one prefix inside the other', async () => {
      const shared = demo((t) =>
        t.replace(
          'bucket: ccat-us-lta\n          prefix: archive/',
          'bucket: ccat-cologne-lta\n          prefix: archive/us/',
        ),
      );
      expect(await refusal(shared)).toContain(
        'locations cologne/lta and us/lta are the same storage: s3 bucket ccat-cologne-lta at ' +
          'http://127.0.0.1:4569, prefixes "archive/" and "archive/us/" overlap',
      );
      expect(Object.values(await counts())).toEqual([0, 0, 0, 0, 0, 0]);
      // A prefix beside the other is storage of its own.
      const beside = demo((t) =>
        t.replace(
          'bucket: ccat-us-lta\n          prefix: archive/',
          'bucket: ccat-cologne-lta\n          prefix: archive2/',
        ),
      );
      expect(await topology.apply(beside)).toHaveLength(DEMO_ROWS);
    });

    it("a location added beside the database's, which the file does not name", async () => {
      await topology.apply(demo());
      const before = await counts();
      const mirror = [
        '      - name: mirror',
        '        type: long_term_archive',
        '        storage: s3',
        '        s3: { endpoint: "http://127.0.0.1:4569/", bucket: ccat-us-lta, allowInsecureHttp: true,',
        '              accessKeyEnv: MIRROR_S3_ACCESS_KEY, secretKeyEnv: MIRROR_S3_SECRET_KEY }',
        '',
      ].join('\n');
      // Without the us site: its archive is only in the database.
      const file = demo((t) =>
        t
          .slice(0, t.indexOf('  # Second archive'))
          .replace('  # Primary archive', `${mirror}  # Primary archive`),
      );
      expect(await refusal(file)).toContain(
        'locations us/lta and ccat/mirror are the same storage: s3 bucket ccat-us-lta at http://127.0.0.1:4569, ' +
          'prefixes "archive/" and (none: the whole bucket) overlap',
      );
      expect(await counts()).toEqual(before);
    });

    it('a disk root inside another, and a root of /', async () => {
      const nested = demo((t) =>
        t
          .replace('/tmp/ccat-data}/cologne/buffer_backup', '/tmp/ccat-data}/cologne/buffer/backup')
          .replace('rootPath: ${CCAT_DATA_ROOT:-/tmp/ccat-data}/cologne/ramses_processing', 'rootPath: /'),
      );
      const message = await refusal(nested);
      expect(message.split('\n').slice(1, -1)).toEqual([
        '  location cologne/ramses_processing: rootPath / is the whole file system, every other location is inside it',
        `  locations cologne/buffer and cologne/buffer_backup are the same storage: rootPath ${COLOGNE_BUFFER}/backup is inside ${COLOGNE_BUFFER}`,
      ]);
      expect(Object.values(await counts())).toEqual([0, 0, 0, 0, 0, 0]);
      // A sibling whose name starts with the other's is not inside it: the demo has buffer and buffer_backup.
      await topology.apply(demo());
      expect(await topology.apply(nested, { dryRun: true }).catch((e: Error) => e.message)).toBe(message);
    });
  });

  it('lets two concurrent applies of the same file create each row once', async () => {
    const [a, b] = await Promise.all([topology.apply(demo()), topology.apply(demo())]);
    const created = [a, b].map((changes) => changes.filter((c) => c.action === 'create').length).sort();
    expect(created).toEqual([0, DEMO_ROWS]);
    expect((await counts()).data_location).toBe(9);
  });
});

describe('ccat-dt topology apply (the built CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ccat-topology-'));

  beforeAll(() => {
    if (!existsSync(join(ROOT, 'dist/src/cli/main.js'))) {
      throw new Error('dist/ is missing: run `npm run build` first (`npm test` does)');
    }
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function cli(...args: string[]) {
    const run = spawnSync('node', ['bin/ccat-dt.js', 'topology', 'apply', ...args], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: db.url, CCAT_DATA_ROOT: '', CCAT_S3_ENDPOINT: '' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    return { status: run.status, stdout: run.stdout.trim().split('\n'), stderr: run.stderr.trim() };
  }

  function file(name: string, text: string): string {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  }

  it('prints one line per change and a summary, then only the unchanged count', () => {
    const first = cli(DEMO_PATH);
    expect(first).toMatchObject({ status: 0, stderr: '' });
    expect(first.stdout).toHaveLength(DEMO_ROWS + 1);
    expect(first.stdout).toContain('+ site ccat (CCAT Observatory)');
    expect(first.stdout).toContain(
      '+ location cologne_buffer_backup (buffer on disk /tmp/ccat-data/cologne/buffer_backup, priority 3, offline)',
    );
    expect(first.stdout.at(-1)).toBe('topology applied: 20 created, 0 updated, 0 unchanged');
    expect(cli(DEMO_PATH)).toMatchObject({
      status: 0,
      stdout: ['= 20 unchanged', 'topology applied: 0 created, 0 updated, 20 unchanged'],
    });
  });

  it('shows updates and rows missing from the file; --dry-run writes nothing', async () => {
    cli(DEMO_PATH);
    const edited = withCologneBuffer(`priority: 4\n        rootPath: ${COLOGNE_BUFFER}`)(DEMO);
    const path = file('edited.yaml', edited.slice(0, edited.indexOf('  # Second archive')));
    const expected = [
      '~ location cologne_buffer: priority 1 -> 4',
      '? site us not in file (left as is)',
      '? location us_buffer not in file (left as is)',
      '? location us_lta not in file (left as is)',
      '= 16 unchanged',
    ];
    expect(cli(path, '--dry-run')).toMatchObject({
      status: 0,
      stdout: [
        ...expected,
        'topology dry run, nothing written: 0 to create, 1 to update, 16 unchanged, 3 not in file',
      ],
    });
    expect((await location('cologne', 'buffer')).priority).toBe(1);
    expect(cli(path)).toMatchObject({
      status: 0,
      stdout: [...expected, 'topology applied: 0 created, 1 updated, 16 unchanged, 3 not in file'],
    });
    expect((await location('cologne', 'buffer')).priority).toBe(4);
  });

  it('exits 1 with the problems of an invalid file, each with its path', async () => {
    const path = file('invalid.yaml', DEMO.replace('type: long_term_archive', 'type: archive'));
    const run = cli(path);
    expect(run.status).toBe(1);
    expect(run.stdout).toEqual(['']);
    expect(run.stderr).toBe(
      `ccat-dt: ${path}: invalid topology file (1 problem):\n` +
        '  sites[1].locations[3].type must be one of: source, buffer, long_term_archive, processing',
    );
    expect((await counts()).site).toBe(0);
  });

  it('refuses storage: tape, naming the location, and writes nothing of the file', async () => {
    cli(DEMO_PATH);
    const before = await counts();
    // A tape library added at Cologne, beside a change that alone would apply.
    const tape = `      - name: tape_library\n        type: long_term_archive\n        storage: tape\n`;
    const edited = withCologneBuffer(`priority: 4\n        rootPath: ${COLOGNE_BUFFER}`)(DEMO).replace(
      '      # Scratch space',
      `${tape}      # Scratch space`,
    );
    const run = cli(file('tape.yaml', edited));
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(
      /^ccat-dt: .*tape\.yaml: invalid topology file \(1 problem\):\n {2}sites\[1\]\.locations\[\d\] \(cologne\/tape_library\): tape is not supported yet; a tape-backed S3 endpoint works as s3$/,
    );
    expect(await counts()).toEqual(before);
    expect(await location('cologne', 'tape_library')).toBeUndefined();
    expect((await location('cologne', 'buffer')).priority).toBe(1);
  });

  it('exits 1 for a missing file, an unset variable and an unsafe change', async () => {
    expect(cli(join(dir, 'nope.yaml'))).toMatchObject({
      status: 1,
      stderr: `ccat-dt: cannot read topology file ${join(dir, 'nope.yaml')}: no such file`,
    });
    const unset = cli(
      file('unset.yaml', DEMO.replace('${CCAT_DATA_ROOT:-/tmp/ccat-data}', '${CCAT_UNSET_ROOT}')),
    );
    expect(unset.status).toBe(1);
    expect(unset.stderr).toMatch(
      /line \d+: environment variable CCAT_UNSET_ROOT is not set and has no default/,
    );

    cli(DEMO_PATH);
    await putCopy('cologne', 'buffer', CopyStatus.PRESENT);
    const unsafe = cli(file('moved.yaml', withCologneBuffer('rootPath: /srv/elsewhere')(DEMO)));
    expect(unsafe.status).toBe(1);
    expect(unsafe.stderr).toContain(
      `location cologne_buffer: rootPath ${COLOGNE_BUFFER} -> /srv/elsewhere refused, it still holds 1 live physical copy`,
    );
    expect((await location('cologne', 'buffer')).root_path).toBe(COLOGNE_BUFFER);
  });
});
