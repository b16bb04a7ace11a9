import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { readTar, UnsafeArchiveError } from '../storage/safe-tar';
import { Expected, StorageBackend } from '../storage/storage-backend';
import { nullSink, VerifyingStream } from '../storage/verifying-stream';

/**
 * Unpacks one package tar read from an archive into `destination`, in one read: the tar itself is checked
 * against the package's recorded size and SHA-256 as it streams, and every member against its file's
 * registration, written all-or-nothing under `prefix`. Members already staged there (`skip`) are checked
 * and not written again. On any failure what this call wrote is removed, so nothing unverified stays.
 */
export async function unpackPackageTo(
  tar: Readable,
  destination: StorageBackend,
  expected: { pkg: Required<Expected>; label: string; files: ReadonlyMap<string, Required<Expected>> },
  skip: ReadonlySet<string>,
): Promise<string[]> {
  const written: string[] = [];
  const seen = new Set<string>();
  const checked = new VerifyingStream(expected.label, expected.pkg);
  tar.on('error', (err) => checked.destroy(err));
  try {
    await readTar(tar.pipe(checked), async (name, _size, content) => {
      const want = expected.files.get(name);
      if (!want)
        throw new UnsafeArchiveError(`${expected.label} holds ${JSON.stringify(name)}, which it should not`);
      if (seen.has(name))
        throw new UnsafeArchiveError(`${expected.label} holds ${JSON.stringify(name)} twice`);
      seen.add(name);
      if (skip.has(name)) {
        await pipeline(content, new VerifyingStream(`${expected.label}:${name}`, want), nullSink());
        return;
      }
      await destination.write(name, content, want);
      written.push(name);
    });
    const missing = [...expected.files.keys()].filter((f) => !seen.has(f));
    if (missing.length)
      throw new UnsafeArchiveError(
        `${expected.label} lacks ${missing.length} file(s): ${missing.slice(0, 3).join(', ')}`,
      );
    return written;
  } catch (err) {
    await Promise.all(written.map((p) => destination.delete(p).catch(() => undefined)));
    throw err;
  }
}
