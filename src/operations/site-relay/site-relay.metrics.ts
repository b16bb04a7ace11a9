import { Counter, Gauge } from 'prom-client';
import { metricsRegistry } from '../../engine/metrics/metrics-registry';
import type { RelayStatus } from './site-relay.service';

/** The site relay's own series (docs/metrics.md); the gauges read the relay's status on each scrape. */
export const relayMetrics = {
  delivered: new Counter({
    name: 'ccat_site_relay_delivered_total',
    help: 'Journal entries the central API accepted',
    registers: [metricsRegistry],
  }),
  deadLettered: new Counter({
    name: 'ccat_site_relay_dead_lettered_total',
    help: 'Journal entries the central API refused for good (moved to the dead letters)',
    registers: [metricsRegistry],
  }),
  failedAttempts: new Counter({
    name: 'ccat_site_relay_delivery_failures_total',
    help: 'Delivery attempts that failed and will be retried (link down, central API unavailable)',
    registers: [metricsRegistry],
  }),
};

let source: (() => RelayStatus) | undefined;

const gauge = (name: string, help: string, read: (s: RelayStatus) => number) =>
  new Gauge({
    name,
    help,
    registers: [metricsRegistry],
    collect() {
      if (source) this.set(read(source()));
    },
  });

gauge('ccat_site_relay_journal_depth', 'Registrations journaled but not yet delivered', (s) => s.depth);
gauge(
  'ccat_site_relay_oldest_undelivered_seconds',
  'Age of the oldest undelivered registration (0 when none)',
  (s) => s.oldestUndeliveredSeconds,
);
gauge(
  'ccat_site_relay_dead_letters',
  'Registrations the central API refused, waiting for an operator',
  (s) => s.deadLetters,
);
gauge('ccat_site_relay_link_up', '1 while deliveries succeed, 0 after a failed attempt', (s) =>
  s.linkUp ? 1 : 0,
);
gauge('ccat_site_relay_journal_error', '1 when the journal cannot be written (registrations refused)', (s) =>
  s.journalError ? 1 : 0,
);

/** Called by the relay module: gauges are only meaningful in a process that runs the relay. */
export function reportRelayStatus(status: () => RelayStatus): void {
  source = status;
}
