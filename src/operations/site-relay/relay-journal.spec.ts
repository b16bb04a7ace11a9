import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeEntry, encodeEntry, RelayJournal } from './relay-journal';
import { RelayProgress } from './relay-progress';

describe('the site relay journal', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'relay-journal-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const journalFile = () => join(dir, 'journal.log');

  it('numbers entries 1, 2, 3 in the order they were accepted, also when they arrive together', async () => {
    const { journal } = await RelayJournal.open(dir);
    const entries = await Promise.all(
      Array.from({ length: 50 }, (_, i) => journal.append('raw-data-file', { id: `f${i}` })),
    );
    await journal.close();
    expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i + 1));
    const reopened = await RelayJournal.open(dir);
    expect(reopened.entries.map((e) => e.body.id)).toEqual(entries.map((_, i) => `f${i}`));
    expect(reopened.journal.last).toBe(50);
    await reopened.journal.close();
  });

  it('cuts off a torn last line on opening (never delivered) and appends after it cleanly', async () => {
    const { journal } = await RelayJournal.open(dir);
    await journal.append('obs-unit.start', { id: 'u1' });
    await journal.append('raw-data-file', { id: 'f1' });
    await journal.close();
    const whole = statSync(journalFile()).size;
    const third = encodeEntry({
      seq: 3,
      at: new Date().toISOString(),
      op: 'raw-data-file',
      body: { id: 'f2' },
    });
    // A power cut in the middle of the third append: half of its line reached the disk.
    appendFileSync(journalFile(), third.slice(0, 40));

    const reopened = await RelayJournal.open(dir);
    expect(reopened.entries.map((e) => e.seq)).toEqual([1, 2]);
    expect(reopened.droppedTornBytes).toBe(40);
    expect(statSync(journalFile()).size).toBe(whole);
    const next = await reopened.journal.append('raw-data-file', { id: 'f3' });
    expect(next.seq).toBe(3);
    await reopened.journal.close();
    const lines = readFileSync(journalFile(), 'utf8').trimEnd().split('\n');
    expect(lines.map((l) => decodeEntry(l)?.body.id)).toEqual(['u1', 'f1', 'f3']);
  });

  it('drops a whole-looking last line whose digest does not match (a torn write that ended in a newline)', async () => {
    const { journal } = await RelayJournal.open(dir);
    await journal.append('obs-unit.start', { id: 'u1' });
    await journal.close();
    const line = encodeEntry({
      seq: 2,
      at: new Date().toISOString(),
      op: 'raw-data-file',
      body: { id: 'f1' },
    });
    appendFileSync(journalFile(), line.replace('"f1"', '"f9"'));
    const reopened = await RelayJournal.open(dir);
    expect(reopened.entries.map((e) => e.body.id)).toEqual(['u1']);
    await reopened.journal.close();
  });

  it('refuses to open a journal damaged before its last line rather than skip an entry', async () => {
    const { journal } = await RelayJournal.open(dir);
    for (const id of ['u1', 'f1', 'f2']) await journal.append('raw-data-file', { id });
    await journal.close();
    const text = readFileSync(journalFile(), 'utf8');
    writeFileSync(journalFile(), text.replace('"f1"', '"fX"'));
    await expect(RelayJournal.open(dir)).rejects.toThrow(/line 2 is damaged and is not the last/);
  });

  it('sets a fully delivered journal aside on opening and numbers on in a new one', async () => {
    const { journal } = await RelayJournal.open(dir);
    for (const id of ['u1', 'f1', 'f2']) await journal.append('raw-data-file', { id });
    await journal.close();
    // Not everything delivered: kept as it is.
    const kept = await RelayJournal.open(dir, { delivered: 2, rotateBytes: 10 });
    expect(kept.entries).toHaveLength(3);
    await kept.journal.close();

    const rotated = await RelayJournal.open(dir, { delivered: 3, rotateBytes: 10 });
    expect(rotated.entries).toEqual([]);
    expect(readFileSync(join(dir, 'journal-3.log'), 'utf8').split('\n').filter(Boolean)).toHaveLength(3);
    expect((await rotated.journal.append('raw-data-file', { id: 'f3' })).seq).toBe(4);
    await rotated.journal.close();
    // Torn right after the rotation: numbering still goes on from the mark.
    appendFileSync(journalFile(), 'abc');
    const again = await RelayJournal.open(dir, { delivered: 3, rotateBytes: 1e9 });
    expect(again.entries.map((e) => [e.seq, e.body.id])).toEqual([[4, 'f3']]);
    expect((await again.journal.append('raw-data-file', { id: 'f4' })).seq).toBe(5);
    await again.journal.close();
  });

  it('keeps the delivered-up-to mark and the dead letters across a restart mid-delivery', async () => {
    const { journal } = await RelayJournal.open(dir);
    const entries = [];
    for (const id of ['u1', 'f1', 'f2']) entries.push(await journal.append('raw-data-file', { id }));
    await journal.close();
    const progress = await RelayProgress.open(dir);
    expect(progress.delivered).toBe(0);
    await progress.advance(1);
    const letter = { seq: 2, op: entries[1].op, status: 409, message: 'x', refusedAt: '', entry: entries[1] };
    await progress.addDeadLetter(letter);
    // Crash before the mark passed the dead letter: it is refused again, and recorded once.
    appendFileSync(join(dir, 'dead-letters.jsonl'), '{"seq":2,"op":"raw-da'); // and torn this time
    await progress.addDeadLetter(letter);

    const after = await RelayProgress.open(dir);
    expect(after.delivered).toBe(1);
    expect(after.deadLetters.map((d) => d.seq)).toEqual([2]);
    expect(readFileSync(join(dir, 'delivered'), 'utf8')).toBe('1\n');
  });
});
