import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DomainError } from '../../engine/errors/domain-error';
import { DataLocation } from '../locations/data-location.entity';
import { LocationType, StorageType } from '../locations/location-type';
import { Site } from '../sites/site.entity';
import { refuseSharedStorage, StoragePlace, storageOverlaps } from './storage-overlap';
import { parseTopologyFile } from './topology-file';

const disk = (name: string, rootPath: string): StoragePlace => ({ name, storage: 'disk', rootPath });
const s3 = (
  name: string,
  bucket: string,
  prefix?: string | null,
  endpoint?: string | null,
): StoragePlace => ({
  name,
  storage: 's3',
  s3: { bucket, prefix, endpoint },
});
const MINIO = 'http://minio:9000';

describe('storageOverlaps', () => {
  it.each<[string, string, string, boolean]>([
    ['the same root', '/data/a', '/data/a', true],
    ['the same root spelled differently', '/data/a/', '/data//a/./', true],
    ['a root inside the other', '/data/a', '/data/a/b', true],
    ['the other way round', '/data/a/b/c', '/data/a', true],
    ['inside after normalising', '/data/x/../a', '/data/a/b', true],
    ['a sibling sharing the first letters', '/data/a', '/data/ab', false],
    ['a sibling with a suffix', '/data/buffer', '/data/buffer_backup', false],
    ['siblings', '/data/a/b', '/data/a/c', false],
    ['unrelated roots', '/srv/a', '/data/a', false],
  ])('disk: %s (%s, %s) overlap: %s', (_, a, b, overlap) => {
    const problems = storageOverlaps([disk('x/a', a), disk('y/b', b)]);
    expect(problems).toHaveLength(overlap ? 1 : 0);
    if (overlap) expect(problems[0]).toMatch(/^locations x\/a and y\/b are the same storage: /);
  });

  it.each<[string, string | null | undefined, string | null | undefined, boolean]>([
    ['the same prefix', 'archive/', 'archive/', true],
    ['the same prefix, one without its /', 'archive', 'archive/', true],
    ['a prefix inside the other', 'archive/', 'archive/x/', true],
    ['inside, without the /', 'archive', 'archive/x', true],
    ['no prefix: the whole bucket', null, 'archive/', true],
    ["'' is the whole bucket too", '', 'a/b/', true],
    ['both without a prefix', undefined, null, true],
    ['a prefix sharing the first letters', 'archive', 'archive2/', false],
    ['the same, both with /', 'archive/', 'archive2/', false],
    ['sibling prefixes', 'archive/a/', 'archive/b/', false],
    ['prefixes differing in case', 'Archive/', 'archive/', false],
  ])('s3: %s (%s, %s) overlap: %s', (_, a, b, overlap) => {
    const problems = storageOverlaps([s3('x/lta', 'lta', a, MINIO), s3('y/lta', 'lta', b, MINIO)]);
    expect(problems).toHaveLength(overlap ? 1 : 0);
    if (overlap)
      expect(problems[0]).toMatch(/^locations x\/lta and y\/lta are the same storage: s3 bucket lta/);
  });

  it.each<[string, string | null, string | null, boolean]>([
    ['the same endpoint', MINIO, MINIO, true],
    ['with a trailing / and in capitals', MINIO, 'http://MINIO:9000/', true],
    ['with the default port made explicit', 'http://s3.example.org', 'http://s3.example.org:80', true],
    ['over https on the same port', MINIO, 'https://minio:9000', true],
    ['no endpoint and an AWS one', null, 'https://s3.eu-central-1.amazonaws.com', true],
    ['two AWS regions', 'https://s3.us-east-1.amazonaws.com', 'https://s3.eu-west-1.amazonaws.com', true],
    ['another port', MINIO, 'http://minio:9001', false],
    ['another host', MINIO, 'http://minio2:9000', false],
    ['no endpoint and a local one', null, MINIO, false],
  ])('s3 endpoints: %s (%s, %s) are one service: %s', (_, a, b, same) => {
    const problems = storageOverlaps([s3('x/lta', 'lta', 'archive/', a), s3('y/lta', 'lta', 'archive/', b)]);
    expect(problems).toHaveLength(same ? 1 : 0);
  });

  it('tells different buckets apart, whatever the prefixes', () => {
    expect(storageOverlaps([s3('x/lta', 'lta-a', null, MINIO), s3('y/lta', 'lta-b', null, MINIO)])).toEqual(
      [],
    );
  });

  it('names both locations and says how they overlap', () => {
    expect(
      storageOverlaps([
        disk('ccat/buffer', '/data/buffer'),
        disk('cologne/buffer', '/data/buffer/cologne'),
        s3('cologne/lta', 'lta', 'archive', MINIO),
        s3('us/lta', 'lta', 'archive/us/', MINIO),
      ]),
    ).toEqual([
      'locations ccat/buffer and cologne/buffer are the same storage: rootPath /data/buffer/cologne is inside /data/buffer',
      `locations cologne/lta and us/lta are the same storage: s3 bucket lta at ${MINIO}, prefixes "archive" and "archive/us/" overlap`,
    ]);
  });

  it.each(['/', '//', '/data/..', '/./'])('refuses a disk root of %s, once, without pairs', (root) => {
    expect(storageOverlaps([disk('ccat/buffer', root), disk('ccat/source', '/data/source')])).toEqual([
      'location ccat/buffer: rootPath / is the whole file system, every other location is inside it',
    ]);
  });

  it('does not compare disks with buckets, nor count a disk-like path of an S3 location', () => {
    const places: StoragePlace[] = [
      disk('a/buffer', '/archive'),
      { ...s3('b/lta', 'archive', 'archive/'), rootPath: '/archive' },
      { name: 'c/tape', storage: 'tape' },
    ];
    expect(storageOverlaps(places)).toEqual([]);
  });

  it('finds every pair, active or not', () => {
    const places = [disk('a/x', '/d'), disk('b/x', '/d/1'), disk('c/x', '/d/2'), disk('d/x', '/e')];
    expect(storageOverlaps(places)).toHaveLength(2);
  });
});

describe('refuseSharedStorage', () => {
  const DEMO = readFileSync(join(__dirname, '../../../config/topology.demo.yaml'), 'utf8');
  const demo = parseTopologyFile(DEMO, {});
  const sites = [{ id: 1, shortName: 'old' }] as Site[];
  const row = (name: string, rootPath: string) =>
    ({
      id: 1,
      siteId: 1,
      name,
      storageType: StorageType.DISK,
      locationType: LocationType.BUFFER,
      rootPath,
    }) as DataLocation;

  it('accepts the demo topology, alone and with database locations elsewhere', () => {
    expect(() => refuseSharedStorage(demo, [], [])).not.toThrow();
    expect(() => refuseSharedStorage(demo, sites, [row('buffer', '/srv/old')])).not.toThrow();
  });

  it('refuses a file location that overlaps one the database keeps', () => {
    const error = (() => {
      try {
        refuseSharedStorage(demo, sites, [row('buffer', '/tmp/ccat-data/cologne')]);
      } catch (e) {
        return e as DomainError;
      }
    })();
    expect(error).toBeInstanceOf(DomainError);
    expect(error?.code).toBe('UNSAFE_TOPOLOGY_CHANGE');
    expect(error?.message).toMatch(/^topology not applied, nothing was written/);
    expect(error?.message).toContain(
      'locations old/buffer and cologne/buffer are the same storage: rootPath /tmp/ccat-data/cologne/buffer is inside /tmp/ccat-data/cologne',
    );
    expect(error?.details?.overlaps).toHaveLength(4); // the cologne buffers and ramses_processing
  });

  it('takes the file over the database for a location both name', () => {
    const cologne = [{ id: 1, shortName: 'cologne' }] as Site[];
    expect(() => refuseSharedStorage(demo, cologne, [row('buffer', '/tmp/ccat-data/cologne')])).not.toThrow();
  });
});
