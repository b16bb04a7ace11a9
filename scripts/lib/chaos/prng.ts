/**
 * A seeded PRNG (mulberry32): the chaos run's schedule (which process dies when, for how long, every file's
 * size) follows from CHAOS_SEED alone, so a run that found a bug can be replayed with the same faults.
 */
export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** Log-uniform in [1, max]: many small, a few large, like a night of instrument files. */
  logUniform(max: number): number {
    return Math.max(1, Math.floor(2 ** (this.next() * Math.log2(Math.max(2, max)))));
  }
}
