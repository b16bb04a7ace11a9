import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { Client } from 'pg';
import { sidecarPath } from '../../../src/modules/long-term-archive/package-sidecar';

export interface StorageCheck {
  copiesChecked: number;
  bytesChecked: number;
  /** PRESENT copies whose bytes are missing or differ in size or SHA-256 from the row. */
  lost: string[];
  /** Bytes in storage that no live copy row accounts for (a package's archive sidecar is accounted for). */
  dark: string[];
}

interface PresentCopy {
  site: string;
  location: string;
  storage: 'disk' | 's3';
  root: string | null;
  endpoint: string | null;
  bucket: string | null;
  prefix: string | null;
  path: string;
  size: string;
  sha256: string;
}

/**
 * Every PRESENT copy read back from its storage (disk or S3) and hashed: its size and SHA-256 must be what
 * its row says; and every file or object in a location must be named by a live copy row (else it is dark).
 * TODO: replace with ccat-dt check --json (issue 8, item 2) once it lands on main.
 */
export async function checkPresentCopies(
  db: Client,
  credentials: { accessKeyId: string; secretAccessKey: string },
): Promise<StorageCheck> {
  const { rows } = await db.query<PresentCopy>(
    `SELECT s.short_name AS site, l.name AS location, l.storage_type AS storage, l.root_path AS root,
            l.s3_endpoint AS endpoint, l.s3_bucket AS bucket, l.s3_prefix AS prefix,
            c.relative_path AS path, c.size, c.sha256
       FROM physical_copy c JOIN data_location l ON l.id = c.location_id JOIN site s ON s.id = l.site_id
      WHERE c.status = 'present' ORDER BY 1, 2, c.relative_path`,
  );
  const clients = new Map<string, S3Client>();
  const result: StorageCheck = { copiesChecked: 0, bytesChecked: 0, lost: [], dark: [] };
  try {
    for (const copy of rows) {
      const where = `${copy.site}/${copy.location}:${copy.path}`;
      let found: { size: number; sha256: string } | string;
      try {
        found =
          copy.storage === 's3'
            ? await hashS3(clients, credentials, copy)
            : await hashFile(join(copy.root!, copy.path));
      } catch (err) {
        found = (err as Error).message;
      }
      result.copiesChecked++;
      if (typeof found === 'string') result.lost.push(`${where}: unreadable (${found})`);
      else if (found.size !== Number(copy.size) || found.sha256 !== copy.sha256.trim())
        result.lost.push(
          `${where}: ${found.size} bytes, sha256 ${found.sha256.slice(0, 12)}…, row says ${copy.size}`,
        );
      else result.bytesChecked += found.size;
    }
    result.dark = await findDarkData(db, (endpoint) => s3Client(clients, credentials, endpoint));
  } finally {
    for (const client of clients.values()) client.destroy();
  }
  return result;
}

/** Files on each disk location and objects in each S3 location that no live (not DELETED) copy names. */
async function findDarkData(db: Client, s3: (endpoint: string) => S3Client): Promise<string[]> {
  const { rows: locations } = await db.query(
    `SELECT l.id, s.short_name || '/' || l.name AS name, l.storage_type AS storage, l.root_path AS root,
            l.s3_endpoint AS endpoint, l.s3_bucket AS bucket, coalesce(l.s3_prefix, '') AS prefix,
            coalesce(array_agg(c.relative_path) FILTER (WHERE c.id IS NOT NULL), '{}') AS paths,
            coalesce(array_agg(c.relative_path) FILTER (WHERE c.kind = 'raw_data_package'), '{}') AS packages
       FROM data_location l JOIN site s ON s.id = l.site_id
       LEFT JOIN physical_copy c ON c.location_id = l.id AND c.status <> 'deleted'
      WHERE l.storage_type IN ('disk', 's3') GROUP BY l.id, s.short_name`,
  );
  const dark: string[] = [];
  for (const l of locations) {
    const known = new Set<string>([...l.paths, ...(l.packages as string[]).map(sidecarPath)]);
    const held =
      l.storage === 's3' ? await listObjects(s3(l.endpoint), l.bucket, l.prefix) : await listFiles(l.root);
    for (const path of held) if (!known.has(path)) dark.push(`${l.name}:${path}`);
  }
  return dark;
}

async function listFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => !e.isDirectory()).map((e) => relative(root, join(e.parentPath, e.name)));
}

async function listObjects(client: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) keys.push(o.Key!.slice(prefix.length));
    token = page.NextContinuationToken;
  } while (token);
  return keys;
}

function s3Client(
  clients: Map<string, S3Client>,
  credentials: { accessKeyId: string; secretAccessKey: string },
  endpoint: string,
): S3Client {
  let client = clients.get(endpoint);
  if (!client) {
    client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
    clients.set(endpoint, client);
  }
  return client;
}

async function hashFile(path: string): Promise<{ size: number; sha256: string }> {
  await stat(path);
  return hashStream(createReadStream(path));
}

async function hashS3(
  clients: Map<string, S3Client>,
  credentials: { accessKeyId: string; secretAccessKey: string },
  copy: PresentCopy,
): Promise<{ size: number; sha256: string }> {
  let client = clients.get(copy.endpoint!);
  if (!client) {
    client = new S3Client({
      endpoint: copy.endpoint!,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials,
    });
    clients.set(copy.endpoint!, client);
  }
  const res = await client.send(
    new GetObjectCommand({ Bucket: copy.bucket!, Key: `${copy.prefix ?? ''}${copy.path}` }),
  );
  return hashStream(res.Body as Readable);
}

async function hashStream(stream: Readable): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { size, sha256: hash.digest('hex') };
}
