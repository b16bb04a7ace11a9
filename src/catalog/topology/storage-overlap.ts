import { posix } from 'node:path';
import { DomainError } from '../../engine/errors/domain-error';
import { DataLocation } from '../locations/data-location.entity';
import { StorageType } from '../locations/location-type';
import { Site } from '../sites/site.entity';
import { TopologyFile } from './topology-file';

/** Where one location keeps its bytes, as far as telling two locations apart needs; `name` is `site/location`. */
export interface StoragePlace {
  name: string;
  storage: string;
  rootPath?: string | null;
  s3?: { endpoint?: string | null; bucket: string; prefix?: string | null } | null;
}

/**
 * Why these locations are not each storage of their own: a copy recorded at one would be counted again at
 * the other (two archives that are one bucket are one archive), and one location's listing would show the
 * other's files. Active or not makes no difference: an inactive location may still hold copies.
 *
 * - S3 (any location type): the same endpoint, the same bucket and prefixes of which one contains the
 *   other. A prefix is read as a folder: a missing trailing `/` is added, so `archive` and `archive/x`
 *   overlap, `archive` and `archive2/` do not; no prefix (or '') is the whole bucket and overlaps every
 *   prefix. Endpoints compare by host, port and path (scheme and case aside; a default port made
 *   explicit); no endpoint is AWS, as is any *.amazonaws.com host: AWS bucket names are global.
 *   (S3Storage joins prefix and path as they are: a prefix without its `/` writes `archiveobs/…` and lists
 *   everything starting `archive`, `archive2/` too. Every topology we ship ends its prefixes in `/`.)
 * - Disk: the same root or one inside the other, compared as normalised absolute paths, segment by
 *   segment: `/data/a` contains `/data/a/b` but not `/data/ab`. A root of `/` is refused outright: it
 *   contains every other location, the database and the operating system.
 */
export function storageOverlaps(places: StoragePlace[]): string[] {
  const problems: string[] = [];
  const disks = places
    .filter((p) => p.storage === StorageType.DISK && p.rootPath)
    .map((p) => ({ name: p.name, root: normaliseRoot(p.rootPath!) }));
  for (const d of disks.filter((d) => d.root === '/'))
    problems.push(
      `location ${d.name}: rootPath / is the whole file system, every other location is inside it`,
    );
  const rooted = disks.filter((d) => d.root !== '/');
  for (const [i, a] of rooted.entries()) {
    for (const b of rooted.slice(i + 1)) {
      const how =
        a.root === b.root
          ? `both have rootPath ${a.root}`
          : contains(a.root, b.root)
            ? `rootPath ${b.root} is inside ${a.root}`
            : contains(b.root, a.root)
              ? `rootPath ${a.root} is inside ${b.root}`
              : null;
      if (how) problems.push(`locations ${a.name} and ${b.name} are the same storage: ${how}`);
    }
  }
  const buckets = places
    .filter((p) => p.storage === StorageType.S3 && p.s3?.bucket)
    .map((p) => ({ name: p.name, s3: p.s3!, at: endpointKey(p.s3!.endpoint), prefix: folder(p.s3!.prefix) }));
  for (const [i, a] of buckets.entries()) {
    for (const b of buckets.slice(i + 1)) {
      if (a.at !== b.at || a.s3.bucket !== b.s3.bucket) continue;
      if (!a.prefix.startsWith(b.prefix) && !b.prefix.startsWith(a.prefix)) continue;
      const where = `s3 bucket ${a.s3.bucket} at ${a.s3.endpoint || 'AWS'}`;
      problems.push(
        `locations ${a.name} and ${b.name} are the same storage: ${where}, ` +
          `prefixes ${showPrefix(a.s3.prefix)} and ${showPrefix(b.s3.prefix)} overlap`,
      );
    }
  }
  return problems;
}

/**
 * The locations the database will hold after applying `file`: its locations, and those of the database
 * it does not name (left as they are). Refuses the apply if any two of them are the same storage.
 */
export function refuseSharedStorage(file: TopologyFile, sites: Site[], locations: DataLocation[]): void {
  const siteNames = new Map(sites.map((s) => [s.id, s.shortName]));
  const places = new Map<string, StoragePlace>();
  for (const l of locations) {
    const name = `${siteNames.get(l.siteId)}/${l.name}`;
    const s3 = l.s3Bucket ? { endpoint: l.s3Endpoint, bucket: l.s3Bucket, prefix: l.s3Prefix } : null;
    places.set(name, { name, storage: l.storageType, rootPath: l.rootPath, s3 });
  }
  for (const site of file.sites) {
    for (const l of site.locations) {
      const name = `${site.shortName}/${l.name}`;
      places.set(name, { name, storage: l.storage, rootPath: l.rootPath, s3: l.s3 });
    }
  }
  const problems = storageOverlaps([...places.values()]);
  if (problems.length === 0) return;
  const message = [
    'topology not applied, nothing was written: these locations would be the same storage, and a copy at ' +
      'one would be counted again at the other:',
    ...problems.map((p) => `  ${p}`),
    'Give each location its own directory, or its own bucket or a prefix outside the other.',
  ];
  throw new DomainError('UNSAFE_TOPOLOGY_CHANGE', message.join('\n'), { overlaps: problems });
}

function normaliseRoot(path: string): string {
  return posix.normalize(path).replace(/\/+$/, '') || '/';
}

function contains(outer: string, inner: string): boolean {
  return inner.startsWith(`${outer}/`);
}

/** A key prefix as a folder: '' (the whole bucket) or ending in exactly the `/` it has or is given. */
function folder(prefix: string | null | undefined): string {
  if (!prefix) return '';
  return prefix.endsWith('/') ? prefix : `${prefix}/`;
}

function showPrefix(prefix: string | null | undefined): string {
  return prefix ? `"${prefix}"` : '(none: the whole bucket)';
}

const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443' };

function endpointKey(endpoint: string | null | undefined): string {
  if (!endpoint) return 'aws';
  try {
    const url = new URL(endpoint);
    const host = url.hostname.toLowerCase();
    if (host === 'amazonaws.com' || host.endsWith('.amazonaws.com')) return 'aws';
    const port = url.port || DEFAULT_PORTS[url.protocol] || '';
    return `${host}:${port}${url.pathname.replace(/\/+$/, '')}`;
  } catch {
    return endpoint.toLowerCase().replace(/\/+$/, '');
  }
}
