import { Readable } from 'node:stream';
import { extract, Header } from 'tar-stream';
import { unsafeRelativePathReason } from '../validation/is-safe-relative-path';
import { Expected, StorageBackend } from './storage-backend';
import { StorageError } from './storage-errors';
import { Digest } from './verifying-stream';

/** A tar that tries to write outside its root, or holds what we never write: never retried, never unpacked. */
export class UnsafeArchiveError extends StorageError {
  readonly retryable = false;
}

/**
 * Bytes that are not a tar (a header that does not parse, data that ends inside a member). Retried: a read
 * cut short looks the same, and a bundle whose bytes are intact but malformed fails after its attempts.
 */
export class MalformedArchiveError extends StorageError {
  readonly retryable = true;
}

export interface TarLimits {
  /** Largest member accepted; a header claiming more is refused before a byte is read. */
  maxMemberBytes: number;
  maxMembers: number;
}

const DEFAULT_LIMITS: TarLimits = { maxMemberBytes: 100e9, maxMembers: 1_000_000 };

/**
 * Reads a tar one member at a time and hands each regular file's bytes to `visit`. Refuses, before reading
 * its bytes, any member that is not a plain file or directory (symbolic and hard links, devices, FIFOs),
 * whose name is absolute, contains `..` or empty segments, or whose size is negative or over the limit.
 */
export async function readTar(
  source: Readable,
  visit: (name: string, size: number, content: Readable) => Promise<void>,
  limits: TarLimits = DEFAULT_LIMITS,
): Promise<number> {
  const ex = extract();
  let members = 0;
  // Errors raised here or by the source pass as they are; any other is tar-stream's verdict on the bytes.
  const known = new WeakSet<Error>();
  const fail = (err: Error) => {
    known.add(err);
    return err;
  };
  const done = new Promise<void>((resolve, reject) => {
    ex.on('entry', (header, stream, next) => {
      // When the extraction fails, the member's stream is destroyed with the error too; it is reported once,
      // by the extraction, and must not surface again as an unhandled 'error' event (which ends a process).
      stream.on('error', () => undefined);
      const refusal = refuse(header, limits, ++members);
      if (refusal) {
        stream.resume();
        next(fail(new UnsafeArchiveError(refusal)));
        return;
      }
      if (header.type === 'directory') {
        stream.resume();
        stream.on('end', () => next());
        return;
      }
      // tar-stream hands out streamx streams; storage speaks Node streams.
      visit(header.name, header.size!, Readable.from(stream)).then(
        () => next(),
        (err: Error) => {
          stream.resume();
          next(fail(err));
        },
      );
    });
    ex.on('finish', resolve);
    ex.on('error', (err: Error) =>
      reject(
        known.has(err)
          ? err
          : new MalformedArchiveError(`not a valid tar after ${members} member(s): ${err.message}`),
      ),
    );
    source.on('error', (err) => ex.destroy(fail(err)));
  });
  source.pipe(ex);
  await done;
  return members;
}

function refuse(header: Header, limits: TarLimits, count: number): string | null {
  const name = header.type === 'directory' ? header.name.replace(/\/+$/, '') : header.name;
  if (count > limits.maxMembers) return `more than ${limits.maxMembers} members`;
  if (header.type !== 'file' && header.type !== 'directory') {
    return `member ${JSON.stringify(header.name)} is a ${header.type}; only regular files are unpacked`;
  }
  const why = unsafeRelativePathReason(name);
  if (why) return `member name ${JSON.stringify(header.name)} ${why}`;
  const size = header.size ?? 0;
  if (!Number.isSafeInteger(size) || size < 0)
    return `member ${JSON.stringify(header.name)} has an invalid size ${size}`;
  if (size > limits.maxMemberBytes) {
    return `member ${JSON.stringify(header.name)} claims ${size} bytes, over the ${limits.maxMemberBytes}-byte limit`;
  }
  return null;
}

/**
 * Unpacks a tar below `prefix` in `destination`, each member written all-or-nothing and verified against
 * `expected` (by member name). A member that is not expected, or an expected one that is missing, fails
 * the unpack: what arrived must be exactly what was sent.
 */
export async function unpackVerified(
  source: Readable,
  destination: StorageBackend,
  prefix: string,
  expected: ReadonlyMap<string, Required<Expected>>,
  limits?: TarLimits,
): Promise<Map<string, Digest>> {
  const written = new Map<string, Digest>();
  await readTar(
    source,
    async (name, size, content) => {
      const want = expected.get(name);
      if (!want)
        throw new UnsafeArchiveError(`member ${JSON.stringify(name)} was not expected in this archive`);
      if (written.has(name)) throw new UnsafeArchiveError(`member ${JSON.stringify(name)} appears twice`);
      if (size !== want.size) {
        throw new UnsafeArchiveError(
          `member ${JSON.stringify(name)} is ${size} bytes; ${want.size} were expected`,
        );
      }
      written.set(name, await destination.write(prefix ? `${prefix}/${name}` : name, content, want));
    },
    limits,
  );
  const missing = [...expected.keys()].filter((name) => !written.has(name));
  if (missing.length)
    throw new UnsafeArchiveError(
      `archive lacks ${missing.length} expected member(s): ${missing.slice(0, 5).join(', ')}`,
    );
  return written;
}
