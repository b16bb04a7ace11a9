import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { readTar, UnsafeArchiveError } from '../../engine/storage/safe-tar';
import { Expected, StorageBackend } from '../../engine/storage/storage-backend';
import { nullSink, VerifyingStream } from '../../engine/storage/verifying-stream';

/** A file of the package as the unpack needs it: its registration, and where it goes at the destination. */
export interface StagedFile extends Required<Expected> {
  path: string;
}

/**
 * Unpacks one package tar read from an archive into `destination`, in one read: the tar itself is checked
 * against the package's recorded size and SHA-256 as it streams, and every member against its file's
 * registration, each written all-or-nothing at its file's `path`. Members in `keep` (already staged there,
 * or found there with the right bytes) are checked and not written again. On any failure only what this
 * call wrote is removed, so nothing unverified stays and nothing that was there before goes.
 *
 * Answers the members it wrote. The caller makes sure that no one else writes these paths meanwhile.
 */
export async function unpackPackageTo(
  tar: Readable,
  destination: StorageBackend,
  expected: { pkg: Required<Expected>; label: string; files: ReadonlyMap<string, StagedFile> },
  keep: ReadonlySet<string>,
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
      if (keep.has(name)) {
        await pipeline(content, new VerifyingStream(`${expected.label}:${name}`, want), nullSink());
        return;
      }
      await destination.write(want.path, content, want);
      written.push(name);
    });
    const missing = [...expected.files.keys()].filter((f) => !seen.has(f));
    if (missing.length)
      throw new UnsafeArchiveError(
        `${expected.label} lacks ${missing.length} file(s): ${missing.slice(0, 3).join(', ')}`,
      );
    return written;
  } catch (err) {
    await Promise.all(
      written.map((name) => destination.delete(expected.files.get(name)!.path).catch(() => undefined)),
    );
    throw err;
  }
}
