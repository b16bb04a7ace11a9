import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdir, open } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export interface WrittenFile {
  id: string;
  path: string;
  size: number;
  sha256: string;
  module: string;
}

/**
 * Writes a file of random bytes the way an instrument does (to its own disk first), hashing while writing,
 * and returns what it will register: registration never moves data.
 */
export async function writeFile(
  root: string,
  path: string,
  size: number,
  module: string,
): Promise<WrittenFile> {
  const full = join(root, path);
  await mkdir(dirname(full), { recursive: true });
  const hash = createHash('sha256');
  const handle = await open(full, 'w');
  try {
    for (let written = 0; written < size;) {
      const chunk = randomBytes(Math.min(1 << 20, size - written));
      hash.update(chunk);
      await handle.write(chunk);
      written += chunk.length;
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  return { id: randomUUID(), path, size, sha256: hash.digest('hex'), module };
}

/** Where an instrument writes scan `i` of an obs unit, relative to its disk. */
export function scanPath(instrument: string, obsUnit: string, module: string, i: number): string {
  return `${instrument}/${obsUnit}/${module}/scan_${String(i).padStart(4, '0')}.fits`;
}

/** The registration of a written file on the telescope computer, for POST /raw-data-files(/bulk). */
export function registrationOf(file: WrittenFile, executedObsUnitId: string) {
  return {
    id: file.id,
    site: 'ccat',
    location: 'telescope_computer',
    path: file.path,
    size: file.size,
    sha256: file.sha256,
    executedObsUnitId,
    instrumentModule: file.module,
    fileType: 'fits',
  };
}

/** A spread of sizes from a few bytes to `maxSize`, log-uniform like a real night (many small, few large). */
export function fileSize(maxSize: number): number {
  const exponent = Math.random() * Math.log2(Math.max(2, maxSize));
  return Math.max(1, Math.floor(2 ** exponent));
}

export class IngestClient {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  async call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { Authorization: `Bearer ${this.token}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as T;
    if (res.status >= 400) throw new Error(`${method} ${path} -> ${res.status}: ${JSON.stringify(json)}`);
    return { status: res.status, body: json };
  }
}
