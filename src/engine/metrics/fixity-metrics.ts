import { Counter } from 'prom-client';
import { metricsRegistry } from './metrics-registry';

const LABELS = ['site', 'location'] as const;

export const fixityBytesVerified = new Counter({
  name: 'ccat_fixity_bytes_verified_total',
  help: 'Bytes re-hashed by the fixity audit, by archive location',
  labelNames: LABELS,
  registers: [metricsRegistry],
});

export const fixityChecks = new Counter({
  name: 'ccat_fixity_checks_total',
  help: 'Fixity checks done, by archive location and result (ok, lost)',
  labelNames: [...LABELS, 'result'],
  registers: [metricsRegistry],
});

export const fixityFailures = new Counter({
  name: 'ccat_fixity_failures_total',
  help: 'Archive copies the fixity audit found missing or different (each is marked lost and re-replicated)',
  labelNames: LABELS,
  registers: [metricsRegistry],
});
