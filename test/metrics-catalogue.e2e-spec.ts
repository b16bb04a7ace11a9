import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import request from 'supertest';
import { ApiHarness, startApi } from './support/api-app';
import { metricNamesIn, baseMetricName, samplesIn } from './support/metrics-text';
import {
  applyDemoTopology,
  freePort,
  redisNamespace,
  RedisNamespace,
  RunningProcess,
  startWorker,
  waitFor,
} from './support/processes';

const DEPLOY = join(__dirname, '..', 'deploy');
const METRICS_TOKEN = 'catalogue-test-metrics-secret';
const COLLECT_TIMEOUT_MS = 2000;

/** Every PromQL expression in a Grafana dashboard or a rules file: the values of its `expr` keys. */
function expressions(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(expressions);
  if (node && typeof node === 'object')
    return Object.entries(node).flatMap(([key, value]) =>
      key === 'expr' && typeof value === 'string' ? [value] : expressions(value),
    );
  return [];
}

/** The ccat_* metrics the expressions name, histogram series folded into their histogram. */
function referencedMetrics(exprs: string[]): Set<string> {
  return new Set(
    exprs.flatMap((e) => [...e.matchAll(/\bccat_[a-z0-9_]+/g)].map((m) => baseMetricName(m[0]))),
  );
}

/**
 * The dashboard and the alert rules in deploy/ name only metrics that exist: each one is registered by a
 * real api or a real worker process, as seen in what their /metrics serve (HELP/TYPE lines included, so a
 * metric with no samples yet counts). The api runs with its Redis unreachable, so the same scrapes show
 * that an outage makes the pipeline gauges go empty, not the scrape hang.
 */
describe('metrics catalogue: deploy/ names only metrics the processes register (real api and worker)', () => {
  let api: ApiHarness;
  let ns: RedisNamespace;
  let worker: RunningProcess;
  let served: Set<string>;
  let apiScrape: string;
  let apiScrapeMs: number;
  let dataRoot: string;

  beforeAll(async () => {
    ns = redisNamespace();
    const deadRedis = `redis://127.0.0.1:${await freePort()}`;
    api = await startApi({
      ...ns.env,
      REDIS_URL: deadRedis,
      METRICS_TOKEN,
      // Long enough for a database read on a loaded CI machine (300 ms was not), short enough to show
      // that the unreachable Redis costs the scrape this bound and no more.
      METRICS_COLLECT_TIMEOUT: `${COLLECT_TIMEOUT_MS}ms`,
    });
    // Queues to count: the demo's locations.
    ({ dataRoot } = applyDemoTopology(api.db.url));
    // Its metrics are public: startApi put METRICS_TOKEN in this process's environment, which it inherits.
    worker = await startWorker(['--site', 'ccat'], {
      DATABASE_URL: api.db.url,
      ...ns.env,
      LOG_LEVEL: 'warn',
      METRICS_TOKEN: '',
    });
    const workerScrape = await waitFor('the worker to serve /metrics', async () => {
      const res = await fetch(`http://127.0.0.1:${worker.port}/metrics`);
      return res.status === 200 ? res.text() : null;
    });
    const scrapeStarted = Date.now();
    apiScrape = (
      await request(api.app.getHttpServer())
        .get('/metrics')
        .set('Authorization', `Bearer ${METRICS_TOKEN}`)
        .expect(200)
    ).text;
    apiScrapeMs = Date.now() - scrapeStarted;
    served = new Set([...metricNamesIn(apiScrape), ...metricNamesIn(workerScrape)]);
  }, 60_000);

  afterAll(async () => {
    await worker?.stop('SIGKILL');
    await api?.close();
    await ns?.cleanup();
    if (dataRoot) rmSync(dataRoot, { recursive: true, force: true });
  });

  const dashboard = JSON.parse(readFileSync(join(DEPLOY, 'grafana', 'ccat-data-transfer.json'), 'utf8'));
  const rules = load(readFileSync(join(DEPLOY, 'prometheus', 'alerts.yml'), 'utf8'));

  it.each([
    ['the Grafana dashboard', dashboard],
    ['the Prometheus alert rules', rules],
  ])('every ccat_* metric %s names is registered', (_what, document) => {
    const referenced = referencedMetrics(expressions(document));
    expect(referenced.size).toBeGreaterThanOrEqual(6);
    expect([...referenced].filter((name) => !served.has(name))).toEqual([]);
  });

  it('would notice a metric that nothing registers', () => {
    const referenced = referencedMetrics([
      'sum(rate(ccat_bytes_moved_total[5m])) / ccat_no_such_metric_bucket',
    ]);
    expect([...referenced].filter((name) => !served.has(name))).toEqual(['ccat_no_such_metric']);
  });

  it('serves the process metrics of each process with the ccat_ prefix, in the text format', async () => {
    expect(served).toContain('ccat_process_resident_memory_bytes');
    expect(served).toContain('ccat_nodejs_eventloop_lag_p99_seconds');
    const res = await fetch(`http://127.0.0.1:${worker.port}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain;.*version=0\.0\.4/);
  });

  it('with Redis unreachable, answers at once without queue depths, and says so; the database-backed gauges stay', () => {
    const samples = samplesIn(apiScrape);
    const up = (collector: string) =>
      samples.find((s) => s.name === 'ccat_metrics_collector_up' && s.labels.collector === collector)?.value;
    expect(up('queues')).toBe(0);
    // Every read runs at once, each bounded by the collect timeout: not the sum, not a hang.
    expect(apiScrapeMs).toBeLessThan(COLLECT_TIMEOUT_MS + 3000);
    expect(samples.filter((s) => s.name === 'ccat_queue_jobs')).toEqual([]);
    expect(up('oldest_unsafe')).toBe(1);
    // An empty database: nothing is unsafe.
    expect(samples.find((s) => s.name === 'ccat_oldest_unsafe_file_age_seconds')?.value).toBe(0);
  });

  it('refuses a scrape without METRICS_TOKEN, or with another one, with 401', async () => {
    const http = request(api.app.getHttpServer());
    const missing = await http.get('/metrics').expect(401);
    expect(missing.body.message).toMatch(/METRICS_TOKEN/);
    await http.get('/metrics').set('Authorization', 'Bearer not-the-metrics-token').expect(401);
    await http.get('/metrics').set('Authorization', METRICS_TOKEN).expect(401);
  });
});
