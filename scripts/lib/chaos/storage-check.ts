import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Client } from 'pg';

export interface StorageCheck {
  copiesChecked: number;
  bytesChecked: number;
  /** PRESENT copies whose bytes are missing or differ in size or SHA-256 from the row. */
  lost: string[];
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
 * its row says.
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
  const result: StorageCheck = { copiesChecked: 0, bytesChecked: 0, lost: [] };
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
  } finally {
    for (const client of clients.values()) client.destroy();
  }
  return result;
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
