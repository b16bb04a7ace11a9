/** Helpers to read Prometheus' text format as /metrics serves it, for the metrics tests. */

const SERIES_SUFFIX = /_(bucket|sum|count)$/;

/** The metric a series belongs to: a histogram's _bucket/_sum/_count series name its histogram. */
export const baseMetricName = (name: string) => name.replace(SERIES_SUFFIX, '');

/**
 * Every metric name a scrape mentions: those with samples and, from the HELP and TYPE lines, those
 * registered but not observed yet (a counter whose labels have had no value).
 */
export function metricNamesIn(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const match = /^# (?:HELP|TYPE) (\S+)/.exec(line) ?? /^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/.exec(line);
    if (match) names.add(baseMetricName(match[1]));
  }
  return names;
}

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a scrape (label values as printed; ours contain no escaped quotes). */
export function samplesIn(text: string): Sample[] {
  return text
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((line) => {
      const [, name, labelText = '', value] = /^(\S+?)(?:\{(.*)\})? (\S+)$/.exec(line) ?? [];
      const labels = Object.fromEntries([...labelText.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
      return { name, labels, value: Number(value) };
    });
}

/** The sum of the samples of `name` whose labels include `match`. */
export function sumOf(samples: Sample[], name: string, match: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v))
    .reduce((n, s) => n + s.value, 0);
}
