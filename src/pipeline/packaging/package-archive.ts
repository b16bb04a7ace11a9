import { once } from 'node:events';
import { TaskError } from '../../engine/work/task-error';
import { Readable } from 'node:stream';
import { pack as tarPack } from 'tar-stream';
import { Expected, StorageBackend } from '../../engine/storage/storage-backend';
import {
  ChecksumMismatchError,
  NotRegularFileError,
  ObjectNotFoundError,
} from '../../engine/storage/storage-errors';
import { Digest, VerifyingStream } from '../../engine/storage/verifying-stream';

export interface ArchiveMember {
  path: string;
  size: number;
  sha256: string;
  mtime: Date;
}

/** How a member differs from its record. */
export type MemberLoss = 'missing' | 'size' | 'checksum';

/**
 * The file a packaging failure names as changed or missing at its source (the messages appendMember
 * writes), or null: what `ccat-dt file accept|withdraw` and the page's buttons act on.
 */
export function changedSourceFile(failureReason: string | null): string | null {
  const m =
    /^(?:reset by .+? after: )*(\S+) (?:changed on .+ since its registration|is recorded but missing from )/.exec(
      failureReason ?? '',
    );
  return m?.[1] ?? null;
}

/** A member at the source is not what its record says (changed, truncated, gone): it must not travel. */
export class SourceFileError extends TaskError {
  readonly retryable = false;
  constructor(
    readonly path: string,
    message: string,
    /** What was wrong with the member at `path`; none when the error is not about one member. */
    readonly loss?: MemberLoss,
  ) {
    super(message);
  }
}

/**
 * Writes a tar of `members`, read from `source`, to `path` on `destination`, in one pass: every member is
 * hashed as it is read and checked against its registered size and SHA-256, and the tar is hashed as it
 * is written. Members are opened one at a time and streamed with their size in the header, so nothing is
 * held in memory. A member that differs aborts the whole write, and the destination keeps nothing. Only
 * regular files are read: a link at a member's path is refused, even to identical bytes, since what it
 * points to may change or go without the registered path changing.
 *
 * tar-stream's packer is driven directly (it is what archiver uses underneath): archiver 7's abort and
 * error paths throw from inside stream event handlers with tar-stream 3, which would end the worker.
 */
export async function writeTar(
  members: ArchiveMember[],
  source: StorageBackend,
  destination: StorageBackend,
  path: string,
  /** What the members' size and checksum come from, for the error that says a member differs. */
  record = 'its registration',
  /** How the source is named in a refusal, e.g. `ccat/telescope_computer`. */
  sourceName = source.description,
  /** The tar's own size and SHA-256 when they are known: the destination keeps nothing else. */
  expected?: Expected,
): Promise<Digest> {
  const pack = tarPack();
  let failure: Error | undefined;
  const opening = new Map<number, Promise<Readable>>();
  // Small members are opened a few ahead of the one being written: a night's thousands of small files cost
  // their open and read round trips more than their bytes, and those overlap. Members still go into the
  // tar one at a time, in order, and the first that differs is the one reported.
  const open = (i: number) => {
    if (i >= members.length || opening.has(i)) return;
    const read = source.read(members[i].path, undefined, { regularFileOnly: true });
    read.catch(() => undefined); // handled when its turn comes, or dropped with the write
    opening.set(i, read);
  };
  const filling = (async () => {
    for (let i = 0; i < members.length; i++) {
      for (let ahead = i; ahead < i + OPEN_AHEAD && members[ahead]?.size <= OPEN_AHEAD_MAX_BYTES; ahead++)
        open(ahead);
      open(i);
      const read = opening.get(i)!;
      opening.delete(i);
      await appendMember(pack, read, source, members[i], record, sourceName);
    }
    pack.finalize();
  })().catch((err: Error) => {
    failure = err;
    pack.destroy(err);
    for (const read of opening.values())
      void read.then(
        (stream) => stream.destroy(),
        () => undefined,
      );
  });
  try {
    const digest = await destination.write(path, Readable.from(pack), expected);
    await filling;
    if (failure) throw failure;
    return digest;
  } catch (err) {
    // A destination that gave up before reading the whole pack leaves the filler waiting for room for
    // ever: end the pack, and report what failed first.
    const first = failure ?? err;
    pack.destroy(first as Error);
    await filling;
    throw first;
  }
}

/** How many small members are opened ahead of the one being written, and what counts as small. */
const OPEN_AHEAD = 8;
const OPEN_AHEAD_MAX_BYTES = 256 * 1024;

async function appendMember(
  pack: ReturnType<typeof tarPack>,
  opened: Promise<Readable>,
  source: StorageBackend,
  member: ArchiveMember,
  record: string,
  sourceName: string,
) {
  let done!: (err?: Error | null) => void;
  const written = new Promise<void>((resolve, reject) => (done = (err) => (err ? reject(err) : resolve())));
  // If this member fails, the pack is destroyed and `written` rejects after we have stopped listening:
  // mark it handled now, or the rejection would end the process.
  written.catch(() => undefined);
  const entry = pack.entry({ name: member.path, size: member.size, mode: 0o644, mtime: member.mtime }, done);
  entry.on('error', () => undefined);
  const verify = new VerifyingStream(`${source.description}/${member.path}`, member);
  try {
    const stream = await opened;
    for await (const chunk of stream.pipe(verify)) {
      if (!entry.write(chunk)) await once(entry, 'drain');
    }
  } catch (err) {
    if (err instanceof ObjectNotFoundError) {
      throw new SourceFileError(
        member.path,
        `${member.path} is recorded but missing from ${source.description}`,
        'missing',
      );
    }
    if (err instanceof NotRegularFileError) {
      throw new SourceFileError(
        member.path,
        `${member.path} at ${sourceName} is ${err.what}; packaging reads only regular files`,
        'missing',
      );
    }
    if (err instanceof ChecksumMismatchError) {
      throw new SourceFileError(
        member.path,
        `${member.path} changed on ${source.description} since ${record}: ${err.message}`,
        err.actual.size !== err.expected.size ? 'size' : 'checksum',
      );
    }
    throw err;
  }
  (entry as NodeJS.WritableStream).end();
  await written;
}
