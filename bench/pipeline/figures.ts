/** The median of `values` (the upper one of an even count, as the benchmarks have always taken it). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** min / median / max, as every figure of the benchmarks is given (the machine is noisy). */
export function spread(values: number[], digits = 1, unit = ''): string {
  const sorted = [...values].sort((a, b) => a - b);
  const f = (v: number) => `${v.toFixed(digits)}${unit}`;
  return `${f(sorted[0])} / ${f(median(sorted))} / ${f(sorted.at(-1)!)}`;
}
