import { finished } from 'node:stream/promises';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { readTar, UnsafeArchiveError } from '../../engine/storage/safe-tar';
import { Expected, StorageBackend } from '../../engine/storage/storage-backend';
import { ChecksumMismatchError } from '../../engine/storage/storage-errors';
import { Digest, nullSink, VerifyingStream } from '../../engine/storage/verifying-stream';

export interface ExpectedPackage extends Required<Expected> {
  /** The raw files inside the package tar, by path: each is checked as the package streams past. */
  files: ReadonlyMap<string, Required<Expected>>;
}

export interface UnpackResult {
  /** Package tars written and verified, by path. */
  written: Map<string, Digest>;
  /**
   * Members whose bytes are not the recorded package (a bit that rotted in the bundle, a member cut short),
   * by path, with what was found: nothing of them was kept, and each can be fetched again on its own.
   */
  bad: Map<string, string>;
}

/**
 * Unpacks a bundle (a tar of package tars) into `destination`: every package tar is written all-or-nothing
 * and checked against its recorded size and SHA-256, and at the same time, in the same single read, read
 * as a tar itself so that every raw file inside is checked against its registration.
 *
 * A member whose bytes differ from its recorded package costs only itself: it is reported in `bad` and the
 * rest goes on. What no re-fetch can cure fails the whole unpack: a member that is not one of the bundle's
 * packages or comes twice, a package missing, a tar that does not parse, or a package whose bytes are the
 * recorded ones but whose files are not its registration (the record itself is wrong, or hostile).
 * Members in `skip` (already held from an earlier attempt) are read past, not written again.
 */
export async function unpackBundle(
  bundle: Readable,
  destination: StorageBackend,
  packages: ReadonlyMap<string, ExpectedPackage>,
  skip: ReadonlySet<string> = new Set(),
): Promise<UnpackResult> {
  const written = new Map<string, Digest>();
  const bad = new Map<string, string>();
  const seen = new Set<string>();
  await readTar(bundle, async (name, size, content) => {
    const want = packages.get(name);
    if (!want)
      throw new UnsafeArchiveError(`bundle member ${JSON.stringify(name)} is not one of its packages`);
    if (seen.has(name)) throw new UnsafeArchiveError(`bundle member ${JSON.stringify(name)} appears twice`);
    seen.add(name);
    if (skip.has(name) || size !== want.size) {
      if (size !== want.size)
        bad.set(name, `package ${name} is ${size} bytes in the bundle; ${want.size} were recorded`);
      await pipeline(content, nullSink());
      return;
    }
    const outcome = await unpackMember(content, destination, name, want);
    if ('bad' in outcome) bad.set(name, outcome.bad);
    else written.set(name, outcome.digest);
  });
  const missing = [...packages.keys()].filter((p) => !seen.has(p));
  if (missing.length)
    throw new UnsafeArchiveError(`bundle lacks package(s): ${missing.slice(0, 5).join(', ')}`);
  return { written, bad };
}

/**
 * One package tar from `content` into `destination` (disk), judged by its bytes: if they are not the
 * recorded package, `{ bad }` says how, and nothing is kept. If they are, every file inside must be its
 * registration, or the whole fails with that reason (the package tar written is removed again).
 */
export async function unpackMember(
  content: Readable,
  destination: StorageBackend,
  path: string,
  want: ExpectedPackage,
): Promise<{ digest: Digest } | { bad: string }> {
  const { toWrite, toCheck } = tee(content);
  const write = destination.write(path, toWrite, want);
  const check = checkFiles(toCheck, path, want.files);
  // The write runs to its end even when a file inside fails its check, so that the package's own checksum
  // says which it is: bytes that rotted (fetch them again) or a record that does not hold (fail).
  check.catch(() => {
    content.unpipe(toCheck);
    toCheck.resume();
  });
  write.catch((err: Error) => toCheck.destroy(err));
  const [wrote, checked] = await Promise.allSettled([write, check]);
  if (wrote.status === 'rejected') {
    if (!(wrote.reason instanceof ChecksumMismatchError)) throw wrote.reason;
    if (!content.readableEnded) {
      content.unpipe();
      content.resume();
      await finished(content).catch(() => undefined);
    }
    return { bad: (wrote.reason as Error).message };
  }
  if (checked.status === 'rejected') {
    await destination.delete(path).catch(() => undefined);
    throw checked.reason;
  }
  return { digest: wrote.value };
}

/**
 * Writes one package tar to `destination` (all-or-nothing, checked against its size and SHA-256) while, in
 * the same read, every raw file inside is checked against its registration. Whichever check fails first
 * stops the other (an archive upload: nothing half-written is worth finishing).
 */
export async function writeAndCheck(
  content: Readable,
  destination: StorageBackend,
  path: string,
  want: ExpectedPackage,
): Promise<Digest> {
  const { toWrite, toCheck } = tee(content);
  const stop = (err: Error) => {
    toWrite.destroy(err);
    toCheck.destroy(err);
  };
  const write = destination.write(path, toWrite, want);
  const check = checkFiles(toCheck, path, want.files);
  write.catch(stop);
  check.catch(stop);
  const [digest] = await Promise.all([write, check]);
  return digest;
}

/** One read, two readers: the bytes go to the storage write and to the check of the files inside. */
function tee(content: Readable): { toWrite: PassThrough; toCheck: PassThrough } {
  const toWrite = new PassThrough();
  const toCheck = new PassThrough();
  // Their failures are reported through the write and the check; once those have settled, a late 'error'
  // on a branch must not become an unhandled event, which would end the worker.
  toWrite.on('error', () => undefined);
  toCheck.on('error', () => undefined);
  content.on('error', (err) => {
    toWrite.destroy(err);
    toCheck.destroy(err);
  });
  content.pipe(toWrite);
  content.pipe(toCheck);
  return { toWrite, toCheck };
}

async function checkFiles(
  tar: Readable,
  packagePath: string,
  files: ReadonlyMap<string, Required<Expected>>,
): Promise<void> {
  const seen = new Set<string>();
  await readTar(tar, async (name, _size, content) => {
    const want = files.get(name);
    if (!want)
      throw new UnsafeArchiveError(
        `package ${packagePath} holds ${JSON.stringify(name)}, which it should not`,
      );
    seen.add(name);
    await pipeline(content, new VerifyingStream(`${packagePath}:${name}`, want), nullSink());
  });
  const missing = [...files.keys()].filter((f) => !seen.has(f));
  if (missing.length)
    throw new UnsafeArchiveError(
      `package ${packagePath} lacks ${missing.length} file(s): ${missing.slice(0, 3).join(', ')}`,
    );
}
