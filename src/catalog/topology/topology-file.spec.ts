import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DomainError } from '../../engine/errors/domain-error';
import { LocationType, StorageType } from '../locations/location-type';
import { parseTopologyFile, substituteEnv } from './topology-file';

const DEMO = readFileSync(join(__dirname, '../../../config/topology.demo.yaml'), 'utf8');

const MINIMAL = `
observatory:
  name: CCAT
  telescopes:
    - name: FYST
      instruments:
        - name: primecam
          modules: [pcam_280]
sites:
  - name: CCAT Observatory
    shortName: ccat
    locations:
      - name: buffer
        type: buffer
        storage: disk
        rootPath: /data/ccat/buffer
`;

/** The problems a file is refused for (fails the test if it is accepted). */
function problemsOf(text: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseTopologyFile(text, env);
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    expect((e as DomainError).code).toBe('VALIDATION');
    return (e as DomainError).message
      .split('\n')
      .slice(1)
      .map((l) => l.trim());
  }
  throw new Error('expected the file to be refused');
}

/** MINIMAL with the buffer location's lines replaced by `location` (indented as a list item). */
function withLocation(location: string): string {
  const [head] = MINIMAL.split('      - name: buffer');
  return `${head}      - ${location.replace(/\n(?=.)/g, '\n        ')}`;
}

describe('parseTopologyFile', () => {
  it('reads the demo file with its defaults filled in', () => {
    const file = parseTopologyFile(DEMO, {});
    expect(file.observatory.name).toBe('CCAT');
    expect(file.observatory.telescopes[0].instruments.map((i) => [i.name, i.modules])).toEqual([
      ['primecam', ['pcam_280', 'pcam_350']],
      ['chai', ['lfa', 'hfa']],
    ]);
    expect(file.sites.map((s) => s.shortName)).toEqual(['ccat', 'cologne', 'us']);
    const cologne = file.sites[1].locations;
    expect(cologne.map((l) => [l.name, l.priority, l.active])).toEqual([
      ['buffer', 1, true],
      ['buffer_secondary', 2, true],
      ['buffer_backup', 3, false],
      ['lta', 1, true],
      ['ramses_processing', 1, true],
    ]);
    expect(cologne[0].rootPath).toBe('/tmp/ccat-data/cologne/buffer');
    expect(cologne[3]).toMatchObject({ type: LocationType.LONG_TERM_ARCHIVE, storage: StorageType.S3 });
    expect(cologne[3].s3).toEqual({
      endpoint: 'http://127.0.0.1:4569',
      region: 'us-east-1',
      bucket: 'ccat-cologne-lta',
      prefix: 'archive/',
      accessKeyEnv: 'COLOGNE_S3_ACCESS_KEY',
      secretKeyEnv: 'COLOGNE_S3_SECRET_KEY',
      allowInsecureHttp: true,
    });
  });

  it('takes values from the environment over the defaults', () => {
    const file = parseTopologyFile(DEMO, {
      CCAT_DATA_ROOT: '/srv/ccat',
      CCAT_S3_ENDPOINT: 'https://s3.nrw.de',
    });
    expect(file.sites[0].locations[0].rootPath).toBe('/srv/ccat/ccat/telescope_computer');
    expect(file.sites[2].locations[1].s3?.endpoint).toBe('https://s3.nrw.de');
  });

  it('normalises root paths so one directory has one spelling', () => {
    const file = parseTopologyFile(MINIMAL.replace('/data/ccat/buffer', '/data//ccat/./buffer/'), {});
    expect(file.sites[0].locations[0].rootPath).toBe('/data/ccat/buffer');
  });

  it('lists every problem with its path', () => {
    const text = MINIMAL.replace('type: buffer', 'type: cache').replace('shortName: ccat', 'shortName: CCAT');
    expect(problemsOf(text)).toEqual([
      'sites[0].shortName must be 1-40 lowercase letters, digits and _, starting with a letter',
      'sites[0].locations[0].type must be one of: source, buffer, long_term_archive, processing',
    ]);
  });

  it('names the index of a bad entry in a second site', () => {
    const second = `  - name: Cologne\n    shortName: cologne\n    locations:\n      - name: lta\n        type: archive\n        storage: disk\n        rootPath: /x\n`;
    expect(problemsOf(MINIMAL + second)).toEqual([
      'sites[1].locations[0].type must be one of: source, buffer, long_term_archive, processing',
    ]);
  });

  it.each([
    ['priority: 0', 'sites[0].locations[0].priority must be an integer >= 1'],
    ['priority: 1.5', 'sites[0].locations[0].priority must be an integer >= 1'],
    ['active: yes', 'sites[0].locations[0].active must be true or false'],
    [
      'diskUsageThresholdPercent: 0',
      'sites[0].locations[0].diskUsageThresholdPercent must be a number in (0, 100] with at most 2 decimals',
    ],
    [
      'diskUsageThresholdPercent: 101',
      'sites[0].locations[0].diskUsageThresholdPercent must be a number in (0, 100] with at most 2 decimals',
    ],
    [
      'diskUsageThresholdPercent: 92.125',
      'sites[0].locations[0].diskUsageThresholdPercent must be a number in (0, 100] with at most 2 decimals',
    ],
    ['rootpath: /x', 'sites[0].locations[0].rootpath is not a known setting'],
  ])('refuses a location with %s', (line, problem) => {
    expect(problemsOf(MINIMAL + `        ${line}\n`)).toEqual([problem]);
  });

  it('accepts a threshold of exactly 100', () => {
    const file = parseTopologyFile(MINIMAL + '        diskUsageThresholdPercent: 100\n', {});
    expect(file.sites[0].locations[0].diskUsageThresholdPercent).toBe(100);
    const precise = parseTopologyFile(MINIMAL + '        diskUsageThresholdPercent: 87.25\n', {});
    expect(precise.sites[0].locations[0].diskUsageThresholdPercent).toBe(87.25);
  });

  it('wants an absolute root path for disk and none for s3', () => {
    expect(problemsOf(MINIMAL.replace('rootPath: /data/ccat/buffer', 'rootPath: data/buffer'))).toEqual([
      'sites[0].locations[0].rootPath must be an absolute path without ..',
    ]);
    expect(problemsOf(MINIMAL.replace('rootPath: /data/ccat/buffer', 'rootPath: /data/../etc'))).toEqual([
      'sites[0].locations[0].rootPath must be an absolute path without ..',
    ]);
    expect(problemsOf(MINIMAL.replace('        rootPath: /data/ccat/buffer\n', ''))).toEqual([
      'sites[0].locations[0].rootPath is required for disk storage',
    ]);
    const s3 =
      'name: lta\ntype: long_term_archive\nstorage: s3\nrootPath: /x\ns3: { bucket: ccat-lta, accessKeyEnv: LTA_S3_ACCESS_KEY, secretKeyEnv: LTA_S3_SECRET_KEY }\n';
    expect(problemsOf(withLocation(s3))).toEqual(['sites[0].locations[0].rootPath is not for s3']);
  });

  it('wants an s3 block with a valid bucket for s3 storage', () => {
    const base = 'name: lta\ntype: long_term_archive\nstorage: s3\n';
    expect(problemsOf(withLocation(base))).toEqual([
      'sites[0].locations[0].s3 is required for s3 storage (at least a bucket)',
    ]);
    expect(
      problemsOf(
        withLocation(
          base +
            's3: { prefix: archive/, accessKeyEnv: LTA_S3_ACCESS_KEY, secretKeyEnv: LTA_S3_SECRET_KEY }\n',
        ),
      ),
    ).toEqual(['sites[0].locations[0].s3.bucket must be an S3 bucket name (3-63 of a-z 0-9 . -)']);
    expect(
      problemsOf(
        withLocation(
          base +
            's3: { bucket: b-1, prefix: /abs, endpoint: "ftp://x", accessKeyEnv: LTA_S3_ACCESS_KEY, secretKeyEnv: LTA_S3_SECRET_KEY }\n',
        ),
      ),
    ).toEqual([
      'sites[0].locations[0].s3.endpoint must be an http:// or https:// URL',
      'sites[0].locations[0].s3.prefix must be a relative key prefix ending in / (a folder), without ..',
    ]);
    expect(
      problemsOf(
        withLocation(
          base +
            's3: { bucket: b-1, prefix: archive, accessKeyEnv: LTA_S3_ACCESS_KEY, secretKeyEnv: LTA_S3_SECRET_KEY }\n',
        ),
      ),
    ).toEqual([
      'sites[0].locations[0].s3.prefix must be a relative key prefix ending in / (a folder), without ..',
    ]);
    const ok = parseTopologyFile(
      withLocation(
        base + 's3: { bucket: ccat-lta, accessKeyEnv: LTA_S3_ACCESS_KEY, secretKeyEnv: LTA_S3_SECRET_KEY }\n',
      ),
      {},
    );
    expect(ok.sites[0].locations[0].s3).toEqual({
      bucket: 'ccat-lta',
      accessKeyEnv: 'LTA_S3_ACCESS_KEY',
      secretKeyEnv: 'LTA_S3_SECRET_KEY',
    });
  });

  it('refuses inline credentials and keys in place of variable names', () => {
    const base = 'name: lta\ntype: long_term_archive\nstorage: s3\ns3:\n  bucket: ccat-lta\n';
    const names = '  accessKeyEnv: LTA_S3_ACCESS_KEY\n  secretKeyEnv: LTA_S3_SECRET_KEY\n';
    const inline = problemsOf(
      withLocation(base + names + '  accessKey: AKIAIOSFODNN7EXAMPLE\n  secretKey: abc/def+ghi\n'),
    );
    expect(inline).toHaveLength(2);
    expect(inline[0]).toMatch(/^sites\[0\]\.locations\[0\]\.s3\.accessKey is refused: credentials never go/);
    expect(inline[1]).toMatch(/^sites\[0\]\.locations\[0\]\.s3\.secretKey is refused/);
    // The refusal must not repeat the secret it found.
    expect(inline.join('\n')).not.toMatch(/AKIA|abc\/def/);
    expect(
      problemsOf(
        withLocation(base + '  accessKeyEnv: AKIAIOSFODNN7EXAMPLE\n  secretKeyEnv: LTA_S3_SECRET_KEY\n'),
      ),
    ).toEqual([
      'sites[0].locations[0].s3.accessKeyEnv must be a variable name ending in _S3_ACCESS_KEY, e.g. COLOGNE_S3_ACCESS_KEY',
    ]);
    expect(
      problemsOf(
        withLocation(base + '  accessKeyEnv: LTA_S3_ACCESS_KEY\n  secretKeyEnv: wJalrXUtnFEMI/K7MDENG\n'),
      ),
    ).toContain(
      'sites[0].locations[0].s3.secretKeyEnv must be a variable name ending in _S3_SECRET_KEY, e.g. COLOGNE_S3_SECRET_KEY',
    );
  });

  it('wants both credential variables, named *_S3_ACCESS_KEY / *_S3_SECRET_KEY, and https unless allowInsecureHttp', () => {
    const base = 'name: lta\ntype: long_term_archive\nstorage: s3\ns3:\n  bucket: ccat-lta\n';
    expect(problemsOf(withLocation(base))).toEqual([
      'sites[0].locations[0].s3.accessKeyEnv must be a variable name ending in _S3_ACCESS_KEY, e.g. COLOGNE_S3_ACCESS_KEY',
      'sites[0].locations[0].s3.secretKeyEnv must be a variable name ending in _S3_SECRET_KEY, e.g. COLOGNE_S3_SECRET_KEY',
    ]);
    expect(
      problemsOf(withLocation(base + '  accessKeyEnv: DATABASE_URL\n  secretKeyEnv: LTA_S3_SECRET_KEY\n')),
    ).toEqual([
      'sites[0].locations[0].s3.accessKeyEnv must be a variable name ending in _S3_ACCESS_KEY, e.g. COLOGNE_S3_ACCESS_KEY',
    ]);
    const names = '  accessKeyEnv: LTA_S3_ACCESS_KEY\n  secretKeyEnv: LTA_S3_SECRET_KEY\n';
    expect(problemsOf(withLocation(base + names + '  endpoint: http://s3.example.org\n'))).toEqual([
      'sites[0].locations[0].s3.endpoint http://s3.example.org is plain http: credentials and bytes would travel in clear; use https, or say allowInsecureHttp: true (a test server on this host)',
    ]);
    const allowed = withLocation(
      base + names + '  endpoint: http://127.0.0.1:4569\n  allowInsecureHttp: true\n',
    );
    expect(parseTopologyFile(allowed, {}).sites[0].locations[0].s3?.allowInsecureHttp).toBe(true);
    expect(() =>
      parseTopologyFile(withLocation(base + names + '  endpoint: https://s3.example.org\n'), {}),
    ).not.toThrow();
  });

  it('refuses tape storage, naming the location, whatever its type', () => {
    const tape = 'name: vault\ntype: long_term_archive\nstorage: tape\n';
    expect(problemsOf(withLocation(tape))).toEqual([
      'sites[0].locations[0] (ccat/vault): tape is not supported yet; a tape-backed S3 endpoint works as s3',
    ]);
    expect(
      problemsOf(withLocation('name: buffer\ntype: buffer\nstorage: tape\nrootPath: /data/b\n')),
    ).toEqual([
      'sites[0].locations[0] (ccat/buffer): tape is not supported yet; a tape-backed S3 endpoint works as s3',
    ]);
  });

  it('refuses duplicate names', () => {
    const text = DEMO.replace('name: chai', 'name: primecam')
      .replace('[lfa, hfa]', '[lfa, lfa]')
      .replace('shortName: us', 'shortName: cologne')
      .replace('name: buffer_secondary', 'name: buffer')
      .replace('name: Cornell University', 'name: CCAT Observatory');
    expect(problemsOf(text)).toEqual([
      'observatory.telescopes[0].instruments[1].name "primecam" is already used by observatory.telescopes[0].instruments[0].name',
      'observatory.telescopes[0].instruments[1].modules[1] "lfa" is already used by observatory.telescopes[0].instruments[1].modules[0]',
      'sites[2].shortName "cologne" is already used by sites[1].shortName',
      'sites[2].name "CCAT Observatory" is already used by sites[0].name',
      'sites[1].locations[1].name "buffer" is already used by sites[1].locations[0].name',
    ]);
  });

  it('refuses two locations of different sites that would share queue names', () => {
    const text = `${MINIMAL}  - name: Other\n    shortName: ccat_buffer\n    locations: []\n  - name: Third\n    shortName: x\n    locations: []\n`;
    expect(parseTopologyFile(text, {}).sites).toHaveLength(3);
    const clash = MINIMAL.replace('shortName: ccat', 'shortName: a_b').replace('name: buffer', 'name: c');
    const other = `  - name: Other\n    shortName: a\n    locations:\n      - { name: b_c, type: buffer, storage: disk, rootPath: /y }\n`;
    expect(problemsOf(clash + other)).toEqual([
      'sites[1].locations[0] has the queue prefix "a_b_c" of sites[0].locations[0]',
    ]);
  });

  it('says what is wrong with a file that is not YAML or not a mapping', () => {
    expect(() => parseTopologyFile('sites: [1', {})).toThrow(/not valid YAML: .*\(1:10\)/);
    expect(() => parseTopologyFile('', {})).toThrow(/not valid YAML/);
    expect(problemsOf('- a\n- b\n')).toEqual([
      'the file must be a mapping with the keys observatory and sites',
    ]);
    expect(problemsOf('observatory: CCAT\nsites: {}\n')).toEqual([
      'observatory must be a mapping',
      'sites must be a list',
    ]);
  });
});

describe('substituteEnv', () => {
  it('replaces variables, with defaults for unset or empty ones', () => {
    const env = { A: 'x', EMPTY: '' };
    expect(substituteEnv('${A}/${A:-d}/${B:-d}/${EMPTY:-d}/${EMPTY}/${B:-}', env)).toBe('x/x/d/d//');
  });

  it('names every variable that is unset and has no default, with its line', () => {
    expect(() => substituteEnv('a: ${ONE}\nb: ${A}\nc: ${TWO}', { A: 'x' })).toThrow(
      /line 1: environment variable ONE is not set and has no default\n.*line 3: environment variable TWO is not set/,
    );
  });

  it('leaves whole-line comments and escaped references alone', () => {
    expect(substituteEnv('# uses ${UNSET}\na: $${UNSET}', {})).toBe('# uses ${UNSET}\na: ${UNSET}');
  });

  it('refuses a malformed reference', () => {
    expect(() => substituteEnv('a: ${1X}', {})).toThrow(/line 1: \$\{1X\} is not/);
  });

  it('does not treat a substituted value as a reference', () => {
    expect(substituteEnv('${A}', { A: '${B}' })).toBe('${B}');
  });
});
