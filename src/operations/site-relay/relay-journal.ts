import { createHash } from 'node:crypto';
import { FileHandle, mkdir, open, readFile, rename, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';

/** What an instrument asked the relay to do, in the words of the central ingest API. */
export type RelayOperation = 'obs-unit.start' | 'obs-unit.finish' | 'raw-data-file' | 'raw-data-files.bulk';

export interface JournalEntry {
  seq: number;
  /** When the relay accepted it (ISO): the age of the oldest undelivered entry is measured from this. */
  at: string;
  op: RelayOperation;
  /** The obs unit id in the route of a finish; absent for the others. */
  target?: string;
  body: Record<string, unknown>;
}

const digest = (s: string) => createHash('sha256').update(s).digest('hex');

/** `<sha256 of the JSON> <JSON>\n`: a line whose digest does not match was not written whole. */
export function encodeEntry(entry: JournalEntry): string {
  const json = JSON.stringify(entry);
  return `${digest(json)} ${json}\n`;
}

/** The entry of one line, or undefined when the line is torn or damaged. */
export function decodeEntry(line: string): JournalEntry | undefined {
  const space = line.indexOf(' ');
  if (space !== 64) return undefined;
  const json = line.slice(65);
  if (digest(json) !== line.slice(0, 64)) return undefined;
  try {
    return JSON.parse(json) as JournalEntry;
  } catch {
    return undefined;
  }
}

/** Writes `content` to `path` so that a crash leaves either the old file or the new one, never a mix. */
export async function writeFileDurably(dir: string, name: string, content: string): Promise<void> {
  const tmp = join(dir, `${name}.tmp`);
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, join(dir, name));
  await syncDirectory(dir);
}

/** A new or renamed file survives a power cut only once its directory entry is on disk too. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export interface LoadedJournal {
  entries: JournalEntry[];
  /** Bytes of a torn last line that were cut off on opening (0 after a clean stop). */
  droppedTornBytes: number;
}

/**
 * The relay's append-only journal (`journal.log` in its directory): one line per accepted registration,
 * numbered 1, 2, 3... and on disk (file data fsynced) before the instrument gets its answer.
 *
 * Appends are serialised; those that arrive while a write is on its way are written and fsynced together
 * (group commit), so a burst of instruments costs one fsync per batch rather than one each.
 *
 * A crash can only tear the last line (each append is fsynced before the next starts): on opening, a last
 * line that is incomplete or fails its digest is cut off, since nobody was ever told it was accepted.
 * A damaged line before the last is not a crash but a damaged disk: opening fails rather than skip it.
 */
export class RelayJournal {
  private handle?: FileHandle;
  private lastSeq = 0;
  private waiting: { entry: JournalEntry; done: (err?: Error) => void }[] = [];
  private writing = false;

  private constructor(private readonly path: string) {}

  /**
   * Opens (or creates) the journal of `dir`. `delivered` is the delivery mark: when every entry is delivered
   * and the file has grown past `rotateBytes`, it is set aside as `journal-<last seq>.log` (kept for the
   * operators to archive or delete) and a new one begins, numbering on; so a relay running for years
   * neither rereads nor indexes its whole history on every start.
   */
  static async open(
    dir: string,
    options: { delivered?: number; rotateBytes?: number } = {},
  ): Promise<{ journal: RelayJournal } & LoadedJournal> {
    await mkdir(dir, { recursive: true });
    const journal = new RelayJournal(join(dir, 'journal.log'));
    let loaded = await journal.load(options.delivered ?? 0);
    const size = (await stat(journal.path).catch(() => undefined))?.size ?? 0;
    if (options.rotateBytes && size > options.rotateBytes && journal.lastSeq === options.delivered) {
      await rename(journal.path, join(dir, `journal-${journal.lastSeq}.log`));
      loaded = { entries: [], droppedTornBytes: loaded.droppedTornBytes };
    }
    journal.handle = await open(journal.path, 'a');
    // A cut-off torn line must stay cut off, and a new file must stay in its directory.
    await journal.handle.sync();
    await syncDirectory(dir);
    return { journal, ...loaded };
  }

  get last(): number {
    return this.lastSeq;
  }

  /** Numbers the entry, and resolves once it is on disk. */
  append(op: RelayOperation, body: Record<string, unknown>, target?: string): Promise<JournalEntry> {
    if (!this.handle) return Promise.reject(new Error('the journal is closed'));
    const entry: JournalEntry = { seq: ++this.lastSeq, at: new Date().toISOString(), op, body };
    if (target) entry.target = target;
    return new Promise((resolve, reject) => {
      this.waiting.push({ entry, done: (err) => (err ? reject(err) : resolve(entry)) });
      void this.flush();
    });
  }

  async close(): Promise<void> {
    while (this.writing || this.waiting.length) await new Promise((r) => setTimeout(r, 5));
    await this.handle?.close();
    this.handle = undefined;
  }

  private async flush(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      while (this.waiting.length) {
        const batch = this.waiting.splice(0);
        try {
          await this.handle!.write(batch.map((w) => encodeEntry(w.entry)).join(''));
          await this.handle!.datasync();
          for (const w of batch) w.done();
        } catch (err) {
          // Refuse this batch and everything after it: the file may now end in a torn line, which only a
          // restart (cutting it off) makes safe to append after. The health check reports the failure.
          this.handle = undefined;
          for (const w of [...batch, ...this.waiting.splice(0)]) w.done(err as Error);
        }
      }
    } finally {
      this.writing = false;
    }
  }

  /** Reads the entries, numbered on from the first line's (1, or past a rotation), cutting off a torn tail. */
  private async load(delivered: number): Promise<LoadedJournal> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      text = '';
    }
    const entries: JournalEntry[] = [];
    let offset = 0;
    let dropped = 0;
    while (offset < text.length) {
      const end = text.indexOf('\n', offset);
      const line = end < 0 ? text.slice(offset) : text.slice(offset, end);
      const entry = end < 0 ? undefined : decodeEntry(line);
      const expected = entries.length ? entries[entries.length - 1].seq + 1 : entry?.seq;
      if (!entry || entry.seq !== expected) {
        const isLast = end < 0 || end === text.length - 1;
        if (!isLast) {
          throw new Error(
            `${this.path}: line ${entries.length + 1} is damaged and is not the last; ` +
              'the disk is corrupt, refusing to guess (see docs/operations.md, site relay)',
          );
        }
        const keep = Buffer.byteLength(text.slice(0, offset));
        await truncate(this.path, keep);
        dropped = Buffer.byteLength(text) - keep;
        break;
      }
      entries.push(entry);
      offset = end + 1;
    }
    // An empty journal (new, or just rotated) numbers on from what was delivered.
    this.lastSeq = entries.length ? entries[entries.length - 1].seq : delivered;
    return { entries, droppedTornBytes: dropped };
  }
}
