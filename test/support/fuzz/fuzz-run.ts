import fc, { Arbitrary } from 'fast-check';
import { DataSource } from 'typeorm';
import { databaseFingerprint } from '../fingerprint';

/** The run's seed: FUZZ_SEED if set (to replay a failure), else a fixed one, so CI runs are reproducible. */
export function fuzzSeed(): number {
  const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : 20261125;
  if (!Number.isInteger(seed)) throw new Error(`FUZZ_SEED must be an integer, got ${process.env.FUZZ_SEED}`);
  return seed;
}

const CONCURRENCY = 8;

/** Requests sent, by kind, for the report a run prints. */
export class KindCounter {
  private readonly counts = new Map<string, number>();
  private readonly millis = new Map<string, number>();

  /** Counts one request of `kind` and the time it took (the returned function stops the clock). */
  start(kind: string): () => void {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
    const t0 = performance.now();
    return () => this.millis.set(kind, (this.millis.get(kind) ?? 0) + performance.now() - t0);
  }

  /** The kinds that took longest in all: where a run's time goes. */
  slowest(n = 5): string {
    return [...this.millis.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, ms]) => `${k} ${Math.round(ms)} ms (${(ms / (this.counts.get(k) ?? 1)).toFixed(1)} ms each)`)
      .join(', ');
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
    return `${this.total} requests: ${line(groups)}\n  by kind: ${line(this.counts)}\n  slowest: ${this.slowest()}`;
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
}): Promise<{ fingerprintMs: number }> {
  let fingerprintMs = 0;
  const fingerprint = async () => {
    const t0 = performance.now();
    const f = await databaseFingerprint(ds);
    fingerprintMs += performance.now() - t0;
    return f;
  };
  const { ds, runs, batchSize, send, describe } = options;
  const seed = fuzzSeed();
  const arbitrary = options.arbitrary.map((item) =>
    Object.assign(item as object, { [fc.toStringMethod]: () => describe(item) }),
  ) as Arbitrary<T>;
  await fc.assert(
    fc.asyncProperty(fc.array(arbitrary, { minLength: batchSize, maxLength: batchSize }), async (batch) => {
      const before = await fingerprint();
      // A few at a time, as clients would: the api waits on PostgreSQL far more than it computes.
      for (let i = 0; i < batch.length; i += CONCURRENCY) {
        await Promise.all(batch.slice(i, i + CONCURRENCY).map(send));
      }
      expect(await fingerprint()).toEqual(before);
    }),
    { seed, numRuns: runs, interruptAfterTimeLimit: 10 * 60_000 },
  );
  return { fingerprintMs };
}
