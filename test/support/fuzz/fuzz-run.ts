import fc, { Arbitrary } from 'fast-check';
import { DataSource } from 'typeorm';
import { databaseFingerprint } from '../fingerprint';

/** The run's seed: FUZZ_SEED if set (to replay a failure), else a fixed one, so CI runs are reproducible. */
export function fuzzSeed(): number {
  const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : 20261125;
  if (!Number.isInteger(seed)) throw new Error(`FUZZ_SEED must be an integer, got ${process.env.FUZZ_SEED}`);
  return seed;
}

/** Requests sent, by kind, for the report a run prints. */
export class KindCounter {
  private readonly counts = new Map<string, number>();

  add(kind: string): void {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
  }

  get total(): number {
    return [...this.counts.values()].reduce((a, b) => a + b, 0);
  }

  /** `file.size 312, bulk.path 120, …`, grouped by the first segment of the kind with the detail after. */
  summary(): string {
    const groups = new Map<string, number>();
    for (const [kind, n] of this.counts) {
      const group = kind.split('.')[0];
      groups.set(group, (groups.get(group) ?? 0) + n);
    }
    const line = (m: Map<string, number>) =>
      [...m.entries()]
        .sort((a, b) => b[1] - a[1])
        .map(([k, n]) => `${k} ${n}`)
        .join(', ');
    return `${this.total} requests: ${line(groups)}\n  by kind: ${line(this.counts)}`;
  }
}

/**
 * Sends `runs` batches of `batchSize` generated requests; `send` checks each answer (and throws on a bad
 * one), and the database fingerprint before and after each batch must be equal. Batches have a fixed
 * length so that a run sends exactly runs x batchSize requests; fast-check shrinks the requests of a
 * failing batch to the simplest that still fail.
 */
export async function fuzzBatches<T>(options: {
  ds: DataSource;
  arbitrary: Arbitrary<T>;
  runs: number;
  batchSize: number;
  send: (item: T) => Promise<void>;
  /** One line per item in a failure report (a 1 MB body must not be printed whole). */
  describe: (item: T) => string;
}): Promise<void> {
  const { ds, runs, batchSize, send, describe } = options;
  const seed = fuzzSeed();
  const arbitrary = options.arbitrary.map((item) =>
    Object.assign(item as object, { [fc.toStringMethod]: () => describe(item) }),
  ) as Arbitrary<T>;
  await fc.assert(
    fc.asyncProperty(fc.array(arbitrary, { minLength: batchSize, maxLength: batchSize }), async (batch) => {
      const before = await databaseFingerprint(ds);
      for (const item of batch) await send(item);
      expect(await databaseFingerprint(ds)).toEqual(before);
    }),
    { seed, numRuns: runs, interruptAfterTimeLimit: 10 * 60_000 },
  );
}
