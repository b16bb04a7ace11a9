import { once } from 'node:events';
import { Readable } from 'node:stream';
import { pack as tarPack } from 'tar-stream';
import { StorageBackend } from '../storage/storage-backend';
import { ChecksumMismatchError, ObjectNotFoundError, StorageError } from '../storage/storage-errors';
import { Digest, VerifyingStream } from '../storage/verifying-stream';

export interface ArchiveMember {
  path: string;
  size: number;
  sha256: string;
  mtime: Date;
}

/** A member at the source is not what its record says (changed, truncated, gone): it must not travel. */
export class SourceFileError extends StorageError {
  readonly retryable = false;
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Writes a tar of `members`, read from `source`, to `path` on `destination`, in one pass: every member is
 * hashed as it is read and checked against its registered size and SHA-256, and the tar is hashed as it
 * is written. Members are opened one at a time and streamed with their size in the header, so nothing is
 * held in memory. A member that differs aborts the whole write, and the destination keeps nothing.
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
): Promise<Digest> {
  const pack = tarPack();
  let failure: Error | undefined;
  const filling = (async () => {
    for (const member of members) await appendMember(pack, source, member, record);
    pack.finalize();
  })().catch((err: Error) => {
    failure = err;
    pack.destroy(err);
  });
  try {
    const digest = await destination.write(path, Readable.from(pack));
    await filling;
    if (failure) throw failure;
    return digest;
  } catch (err) {
    await filling;
    throw failure ?? err;
  }
}

async function appendMember(
  pack: ReturnType<typeof tarPack>,
  source: StorageBackend,
  member: ArchiveMember,
  record: string,
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
    const stream = await source.read(member.path);
    for await (const chunk of stream.pipe(verify)) {
      if (!entry.write(chunk)) await once(entry, 'drain');
    }
  } catch (err) {
    if (err instanceof ObjectNotFoundError) {
      throw new SourceFileError(
        member.path,
        `${member.path} is recorded but missing from ${source.description}`,
      );
    }
    if (err instanceof ChecksumMismatchError) {
      throw new SourceFileError(
        member.path,
        `${member.path} changed on ${source.description} since ${record}: ${err.message}`,
      );
    }
    throw err;
  }
  (entry as NodeJS.WritableStream).end();
  await written;
}
