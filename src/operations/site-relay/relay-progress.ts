import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { JournalEntry, writeFileDurably } from './relay-journal';

/** An entry the central API refused for good (a 4xx about the entry itself), kept for an operator. */
export interface DeadLetter {
  seq: number;
  op: JournalEntry['op'];
  status: number;
  message: string;
  refusedAt: string;
  entry: JournalEntry;
}

const MARK_FILE = 'delivered';
const DEAD_LETTER_FILE = 'dead-letters.jsonl';

/**
 * How far delivery got, kept beside the journal: `delivered` holds the last entry the central API
 * accepted or refused for good (replaced atomically, fsynced), `dead-letters.jsonl` the refused ones.
 * A dead letter is written before the mark passes it, so a crash in between refuses it again and the
 * second line is dropped on loading (same seq): never a refusal without its record.
 */
export class RelayProgress {
  private constructor(
    private readonly dir: string,
    private mark: number,
    readonly deadLetters: DeadLetter[],
  ) {}

  static async open(dir: string): Promise<RelayProgress> {
    const mark = Number((await readIfExists(join(dir, MARK_FILE))).trim() || '0');
    if (!Number.isSafeInteger(mark) || mark < 0) throw new Error(`${join(dir, MARK_FILE)} is damaged`);
    const seen = new Set<number>();
    const deadLetters: DeadLetter[] = [];
    for (const line of (await readIfExists(join(dir, DEAD_LETTER_FILE))).split('\n')) {
      let letter: DeadLetter;
      try {
        letter = JSON.parse(line) as DeadLetter;
      } catch {
        continue; // an empty or torn last line: its entry was not passed yet and is refused again
      }
      if (!seen.has(letter.seq)) deadLetters.push(letter);
      seen.add(letter.seq);
    }
    return new RelayProgress(dir, mark, deadLetters);
  }

  get delivered(): number {
    return this.mark;
  }

  async advance(seq: number): Promise<void> {
    await writeFileDurably(this.dir, MARK_FILE, `${seq}\n`);
    this.mark = seq;
  }

  async addDeadLetter(letter: DeadLetter): Promise<void> {
    const handle = await open(join(this.dir, DEAD_LETTER_FILE), 'a');
    try {
      // Led by a newline, so a line torn by a crash never swallows the one written after it.
      await handle.write(`\n${JSON.stringify(letter)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (!this.deadLetters.some((d) => d.seq === letter.seq)) this.deadLetters.push(letter);
  }
}

async function readIfExists(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
}
