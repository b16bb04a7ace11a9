import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { readTar, UnsafeArchiveError } from '../storage/safe-tar';
import { Expected, StorageBackend } from '../storage/storage-backend';
import { Digest, nullSink, VerifyingStream } from '../storage/verifying-stream';

export interface ExpectedPackage extends Required<Expected> {
  /** The raw files inside the package tar, by path: each is checked as the package streams past. */
  files: ReadonlyMap<string, Required<Expected>>;
}

/**
 * Unpacks a bundle (a tar of package tars) into `destination`: every package tar is written all-or-nothing
 * and checked against its recorded size and SHA-256, and at the same time, in the same single read, read
 * as a tar itself so that every raw file inside is checked against its registration. A package that is
 * missing, unexpected, or whose bytes or files differ fails the whole unpack.
 */
export async function unpackBundle(
  bundle: Readable,
  destination: StorageBackend,
  packages: ReadonlyMap<string, ExpectedPackage>,
): Promise<Map<string, Digest>> {
  const written = new Map<string, Digest>();
  await readTar(bundle, async (name, size, content) => {
    const want = packages.get(name);
    if (!want)
      throw new UnsafeArchiveError(`bundle member ${JSON.stringify(name)} is not one of its packages`);
    if (written.has(name))
      throw new UnsafeArchiveError(`bundle member ${JSON.stringify(name)} appears twice`);
    if (size !== want.size)
      throw new UnsafeArchiveError(`package ${name} is ${size} bytes; ${want.size} were recorded`);
    written.set(name, await writeAndCheck(content, destination, name, want));
  });
  const missing = [...packages.keys()].filter((p) => !written.has(p));
  if (missing.length)
    throw new UnsafeArchiveError(`bundle lacks package(s): ${missing.slice(0, 5).join(', ')}`);
  return written;
}

/**
 * Writes one package tar to `destination` (all-or-nothing, checked against its size and SHA-256) while, in
 * the same read, every raw file inside is checked against its registration.
 */
export async function writeAndCheck(
  content: Readable,
  destination: StorageBackend,
  path: string,
  want: ExpectedPackage,
): Promise<Digest> {
  const toDisk = new PassThrough();
  const toCheck = new PassThrough();
  // Their failures are reported through `write` and `check`; once those have settled, a late 'error' on
  // a branch (from stop(), below) must not become an unhandled event, which would end the worker.
  toDisk.on('error', () => undefined);
  toCheck.on('error', () => undefined);
  const stop = (err: Error) => {
    toDisk.destroy(err);
    toCheck.destroy(err);
  };
  content.on('error', stop);
  content.pipe(toDisk);
  content.pipe(toCheck);
  const write = destination.write(path, toDisk, want);
  const check = checkFiles(toCheck, path, want.files);
  // Whichever fails first stops the other, so neither waits for bytes that will never come.
  write.catch(stop);
  check.catch(stop);
  const [digest] = await Promise.all([write, check]);
  return digest;
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
