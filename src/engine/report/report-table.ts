/**
 * A table as a report reads: a header, a rule, one line per row; no index column and no JavaScript quotes
 * (what `console.table` prints). Numbers are right-aligned, everything else left; null and undefined show
 * as `-`. One formatter for every table the CLI and the demo print.
 */
export function renderTable(rows: readonly Record<string, unknown>[]): string {
  if (rows.length === 0) return '(none)';
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: unknown) =>
    v === null || v === undefined ? '-' : v instanceof Date ? v.toISOString() : String(v);
  const numeric = columns.map((c) => rows.every((r) => r[c] == null || typeof r[c] === 'number'));
  const text = rows.map((r) => columns.map((c) => cell(r[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...text.map((t) => t[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((v, i) => (numeric[i] ? v.padStart(widths[i]) : v.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(columns), widths.map((w) => '-'.repeat(w)).join('  '), ...text.map(line)].join('\n');
}

/** Prints a table (see renderTable) to standard output. */
export function printTable(rows: readonly Record<string, unknown>[]): void {
  console.log(renderTable(rows));
}
