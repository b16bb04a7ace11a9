import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { Client } from 'pg';
import { extract } from 'tar-stream';
import { S3Server } from './s3-server';

export interface ArchiveProof {
  /** Files whose bytes, read back from every archive copy of their package, hash to their registration. */
  verified: number;
  /** Archive sites each file was verified at, by path. */
  sitesByPath: Map<string, Set<string>>;
  problems: string[];
}

/**
 * The demo's own proof, independent of the pipeline's code: every archive copy the database records is
 * fetched from S3 with the plain SDK, untarred as it streams, and each member hashed and compared with
 * what the instrument registered.
 */
export async function readBackFromArchives(
  db: Client,
  s3: S3Server,
  files: { path: string; sha256: string }[],
  minSites = 1,
): Promise<ArchiveProof> {
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: s3.credentials,
  });
  const registered = new Map(files.map((f) => [f.path, f.sha256]));
  const sitesByPath = new Map<string, Set<string>>();
  const problems: string[] = [];
  try {
    const { rows } = await db.query(
      `SELECT s.short_name AS site, l.s3_bucket AS bucket, coalesce(l.s3_prefix, '') || c.relative_path AS key
         FROM physical_copy c JOIN data_location l ON l.id = c.location_id JOIN site s ON s.id = l.site_id
        WHERE c.kind = 'raw_data_package' AND l.location_type = 'long_term_archive' AND c.status = 'present'`,
    );
    for (const { site, bucket, key } of rows) {
      let members: Map<string, string>;
      try {
        const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        members = await hashMembers(res.Body as Readable);
      } catch (err) {
        // A missing or mangled archive object is a finding of the proof, not the end of it.
        problems.push(`${site}: ${key} cannot be read as a tar: ${(err as Error).message}`);
        continue;
      }
      for (const [path, sha256] of members) {
        if (registered.get(path) !== sha256) {
          problems.push(
            `${site}: ${key} holds ${path} with sha256 ${sha256.slice(0, 12)}…, not as registered`,
          );
          continue;
        }
        const sites = sitesByPath.get(path) ?? new Set<string>();
        sites.add(site);
        sitesByPath.set(path, sites);
      }
    }
  } finally {
    client.destroy();
  }
  const verified = files.filter((f) => (sitesByPath.get(f.path)?.size ?? 0) >= minSites).length;
  return { verified, sitesByPath, problems };
}

async function hashMembers(tar: Readable): Promise<Map<string, string>> {
  const members = new Map<string, string>();
  const ex = extract();
  const done = new Promise<void>((resolve, reject) => {
    ex.on('entry', (header, stream, next) => {
      const hash = createHash('sha256');
      stream.on('data', (c) => hash.update(c as Buffer));
      stream.on('end', () => {
        members.set(header.name, hash.digest('hex'));
        next();
      });
    });
    ex.on('finish', resolve);
    ex.on('error', reject);
    tar.on('error', reject);
  });
  tar.pipe(ex);
  await done;
  return members;
}
