import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { extract } from 'tar-stream';

/** Every member of a tar (a file, or its bytes), by name, with the SHA-256 of its bytes: read back with tar-stream. */
export async function tarMembers(file: string | Buffer): Promise<Map<string, string>> {
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
  });
  Readable.from([typeof file === 'string' ? readFileSync(file) : file]).pipe(ex);
  await done;
  return members;
}
