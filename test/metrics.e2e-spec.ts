import request from 'supertest';
import { PipelineHarness, SITES } from './support/pipeline-harness';
import { Sample, samplesIn, sumOf } from './support/metrics-text';
import { RunningProcess, startWorker, waitFor } from './support/processes';

const METRICS_TOKEN = 'pipeline-test-metrics-secret';

/** What the operations that ran at each site moved there, by the demo topology and its routes. */
const OPERATIONS_AT: Record<string, string[]> = {
  ccat: ['raw_data_package_creation', 'data_transfer_package_creation'],
  cologne: ['data_transfer', 'data_transfer_unpacking', 'long_term_archive_transfer'],
  us: ['data_transfer', 'data_transfer_unpacking', 'long_term_archive_transfer'],
};

/**
 * A small night through the whole pipeline (real processes, PostgreSQL, Redis, s3rver), then a scrape of
 * every process: each site's worker counted the bytes its operations moved, the managers timed their
 * cycles, and the api reports queue depths, disk usage and no unsafe file left.
 */
describe('metrics after a pipeline run (real processes, PostgreSQL, Redis, s3rver)', () => {
  let h: PipelineHarness;
  const scrape = async (process: RunningProcess): Promise<Sample[]> => {
    const res = await fetch(`http://127.0.0.1:${process.port}/metrics`);
    expect(res.status).toBe(200);
    return samplesIn(await res.text());
  };
  const scrapeApi = async (): Promise<Sample[]> =>
    samplesIn((await request(h.api.app.getHttpServer()).get('/metrics').expect(200)).text);

  beforeAll(async () => {
    h = await PipelineHarness.start();
    await h.observe('primecam', ['pcam_280', 'pcam_350'], 4, 50_000);
    await h.observe('chai', ['lfa', 'hfa'], 4, 50_000);
    for (const path of h.registered.keys()) await h.waitUntilSafe(path, `${path} to be safe`, 90_000);
  }, 150_000);
  afterAll(() => h?.stop());

  it.each(SITES)(
    'the %s worker counted non-zero bytes and files for each operation that ran there',
    async (site) => {
      const samples = await scrape(h.workers.get(site)!);
      const none = (metric: string) =>
        OPERATIONS_AT[site].filter((operation) => !(sumOf(samples, metric, { site, operation }) > 0));
      expect(none('ccat_bytes_moved_total')).toEqual([]);
      expect(none('ccat_files_moved_total')).toEqual([]);
      // Every task observed in the duration histogram.
      expect(none('ccat_task_duration_seconds_count')).toEqual([]);
      // And nothing labelled with another site: a worker counts only what its own queues did.
      expect(samples.filter((s) => s.name === 'ccat_bytes_moved_total' && s.labels.site !== site)).toEqual(
        [],
      );
      expect(samples.find((s) => s.name === 'ccat_bytes_moved_total')?.labels.role).toBe(`worker-${site}`);
    },
  );

  it('the packaged bytes at ccat are what was registered, plus tar overhead', async () => {
    const samples = await scrape(h.workers.get('ccat')!);
    const registered = [...h.registered.values()].reduce((n, f) => n + f.size, 0);
    const packaged = sumOf(samples, 'ccat_bytes_moved_total', { operation: 'raw_data_package_creation' });
    expect(packaged).toBeGreaterThan(registered);
    expect(sumOf(samples, 'ccat_files_moved_total', { operation: 'raw_data_package_creation' })).toBe(
      h.registered.size,
    );
  });

  it('counts the bytes deletion frees at ccat once the files are safe', async () => {
    const freed = await waitFor(
      'a deletion at ccat',
      async () =>
        sumOf(await scrape(h.workers.get('ccat')!), 'ccat_bytes_moved_total', { operation: 'deletion' }),
      30_000,
    );
    expect(freed).toBeGreaterThan(0);
  });

  it('the managers process timed the cycles of every manager', async () => {
    const samples = await scrape(h.workers.get('managers')!);
    const managers = ['raw_data_package', 'data_transfer_package', 'data_transfer', 'long_term_archive'];
    const neverTimed = managers.filter(
      (manager) => !(sumOf(samples, 'ccat_manager_cycle_duration_seconds_count', { manager }) > 0),
    );
    expect(neverTimed).toEqual([]);
    expect(
      sumOf(samples, 'ccat_manager_cycle_duration_seconds_count', { outcome: 'completed' }),
    ).toBeGreaterThan(0);
    // The queue depths are the api's alone: a second process reporting them would double every series.
    expect(samples.filter((s) => s.name === 'ccat_queue_jobs')).toEqual([]);
  });

  it('the api reports queue depths, disk usage per location, and no unsafe file left', async () => {
    // A scrape answers within METRICS_COLLECT_TIMEOUT with a collector down rather than hang; on a loaded
    // machine the first one can, so read the first scrape in which every collector answered.
    const samples = await waitFor('a scrape with every collector up', async () => {
      const s = await scrapeApi();
      const up = s.filter((x) => x.name === 'ccat_metrics_collector_up');
      return up.length > 0 && up.every((x) => x.value === 1) ? s : null;
    });
    const queues = new Set(samples.filter((s) => s.name === 'ccat_queue_jobs').map((s) => s.labels.queue));
    expect(queues).toContain('ccat_telescope_computer_raw_data_package_creation');
    expect(queues).toContain('cologne_lta_long_term_archive_transfer');
    expect(queues).toContain('us_buffer_data_transfer');
    expect(sumOf(samples, 'ccat_queue_jobs', { state: 'completed' })).toBeGreaterThan(0);

    // MONITORING measures on its interval: wait for a measurement of every buffer, and of the US archive
    // taken after its copies were made.
    const disks = await waitFor('a disk measurement of every buffer and of the US archive', async () => {
      const s = await scrapeApi();
      const measured = s.filter((x) => x.name === 'ccat_location_disk_used_percent');
      return ['ccat', 'cologne', 'us'].every((site) =>
        measured.some((x) => x.labels.site === site && x.labels.location === 'buffer'),
      ) && sumOf(s, 'ccat_location_copies_bytes', { site: 'us', location: 'lta' }) > 0
        ? s
        : null;
    });
    const ccatBuffer = { site: 'ccat', location: 'buffer' };
    expect(sumOf(disks, 'ccat_location_disk_used_percent', ccatBuffer)).toBeGreaterThan(0);
    expect(sumOf(disks, 'ccat_location_disk_threshold_percent', ccatBuffer)).toBe(90);
    expect(sumOf(disks, 'ccat_location_disk_total_bytes', ccatBuffer)).toBeGreaterThan(0);
    // The archives are S3: no disk to measure, but the bytes of the copies they hold.
    expect(sumOf(disks, 'ccat_location_copies_bytes', { site: 'us', location: 'lta' })).toBeGreaterThan(0);

    const oldest = samples.filter((s) => s.name === 'ccat_oldest_unsafe_file_age_seconds');
    expect(oldest.map((s) => s.value)).toEqual([0]);
    expect(samples.filter((s) => s.name === 'ccat_metrics_collector_up').map((s) => s.value)).toEqual([
      1, 1, 1, 1,
    ]);
    // Nothing is stalled after a run that completed.
    expect(samples.filter((s) => s.name === 'ccat_stalled_work')).toEqual([]);
  });

  it('a worker with METRICS_TOKEN refuses a scrape without it or with another one (401)', async () => {
    const worker = await startWorker(['--locations', 'nowhere_at_all'], {
      ...h.env(),
      METRICS_TOKEN,
      LOG_LEVEL: 'warn',
    });
    try {
      const url = `http://127.0.0.1:${worker.port}/metrics`;
      const missing = await waitFor('the worker to answer', () => fetch(url).catch(() => null));
      expect(missing.status).toBe(401);
      expect(((await missing.json()) as { message: string }).message).toMatch(/METRICS_TOKEN/);
      expect(
        (await fetch(url, { headers: { Authorization: 'Bearer wrong-token-of-some-length' } })).status,
      ).toBe(401);
      const allowed = await fetch(url, { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } });
      expect(allowed.status).toBe(200);
      expect(await allowed.text()).toContain('ccat_bytes_moved_total');
    } finally {
      await worker.stop('SIGKILL');
    }
  });
});
