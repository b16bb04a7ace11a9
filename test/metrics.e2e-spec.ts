import { statfsSync } from 'node:fs';
import { join } from 'node:path';
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

  /**
   * What each operation wrote and verified at `site`, by the catalogue: the tasks its worker must have
   * timed as completed, and the bytes and files they counted (recordMoved in each processor).
   */
  type Moved = { tasks: number; bytes: number; files: number };
  const movedAt = async (site: string): Promise<Record<string, Moved>> => {
    const rows: { operation: string; tasks: number; bytes: string; files: number }[] = await h.db.query(
      `WITH dest AS (SELECT l.id, s.short_name AS site FROM data_location l JOIN site s ON s.id = l.site_id)
       SELECT 'raw_data_package_creation' AS operation, count(*)::int AS tasks, coalesce(sum(p.size), 0) AS bytes,
              coalesce(sum(p.file_count), 0)::int AS files
         FROM raw_data_package p WHERE $1 = 'ccat'
       UNION ALL
       SELECT 'data_transfer_package_creation', count(*)::int, coalesce(sum(b.size), 0), coalesce(sum(b.package_count), 0)::int
         FROM data_transfer_package b WHERE $1 = 'ccat'
       UNION ALL
       SELECT 'data_transfer', count(*)::int, coalesce(sum(b.size), 0), count(*)::int
         FROM data_transfer t JOIN data_transfer_package b ON b.id = t.data_transfer_package_id
         JOIN dest d ON d.id = t.destination_location_id WHERE d.site = $1 AND t.status = 'completed'
       UNION ALL
       SELECT 'data_transfer_unpacking', count(DISTINCT t.id)::int, coalesce(sum(p.size), 0), count(*)::int
         FROM data_transfer t JOIN raw_data_package p ON p.data_transfer_package_id = t.data_transfer_package_id
         JOIN dest d ON d.id = t.destination_location_id WHERE d.site = $1 AND t.unpack_status = 'completed'
       UNION ALL
       SELECT 'long_term_archive_transfer', count(*)::int, coalesce(sum(p.size + a.sidecar_size), 0),
              2 * count(*)::int
         FROM long_term_archive_transfer a JOIN raw_data_package p ON p.id = a.raw_data_package_id
         JOIN dest d ON d.id = a.destination_location_id WHERE d.site = $1 AND a.status = 'completed'`,
      [site],
    );
    return Object.fromEntries(
      rows
        .filter((r) => OPERATIONS_AT[site].includes(r.operation))
        .map((r) => [r.operation, { tasks: r.tasks, bytes: Number(r.bytes), files: r.files }]),
    );
  };
  const countedAt = (samples: Sample[], site: string) =>
    Object.fromEntries(
      OPERATIONS_AT[site].map((operation) => [
        operation,
        {
          tasks: sumOf(samples, 'ccat_task_duration_seconds_count', {
            site,
            operation,
            outcome: 'completed',
          }),
          bytes: sumOf(samples, 'ccat_bytes_moved_total', { site, operation }),
          files: sumOf(samples, 'ccat_files_moved_total', { site, operation }),
        },
      ]),
    );

  it.each(SITES)(
    'the %s worker timed each task that ran there and counted the bytes and files it wrote, as the catalogue records them',
    async (site) => {
      const expected = await movedAt(site);
      // The catalogue has what the run did: every registered file packaged at ccat, every package
      // bundled there and archived once at each archive site.
      const [{ packages }]: { packages: number }[] = await h.db.query(
        `SELECT count(*)::int AS packages FROM raw_data_package`,
      );
      if (site === 'ccat') {
        expect(expected.raw_data_package_creation.files).toBe(h.registered.size);
        expect(expected.data_transfer_package_creation.files).toBe(packages);
      } else {
        expect(expected.long_term_archive_transfer.tasks).toBe(packages);
      }
      // A task is counted just after its row commits: read until the last one's count is in.
      const samples = await waitFor(`the ${site} worker's counts to match the catalogue`, async () => {
        const s = await scrape(h.workers.get(site)!);
        expect(countedAt(s, site)).toEqual(expected);
        return s;
      });
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

  it('counts the bytes deletion frees at ccat once the files are safe: the sizes of the copies it deleted', async () => {
    // Deletion goes on after the run is safe; read until the count has caught up with the catalogue.
    await waitFor(
      'the bytes freed at ccat to be those of the copies deleted there',
      async () => {
        const [{ copies, bytes }]: { copies: number; bytes: string }[] = await h.db.query(
          `SELECT count(*)::int AS copies, coalesce(sum(c.size), 0) AS bytes FROM physical_copy c
             JOIN data_location l ON l.id = c.location_id JOIN site s ON s.id = l.site_id
            WHERE s.short_name = 'ccat' AND c.status = 'deleted'`,
        );
        if (copies === 0) return null;
        const samples = await scrape(h.workers.get('ccat')!);
        const counted = {
          copies: sumOf(samples, 'ccat_files_moved_total', { operation: 'deletion' }),
          bytes: sumOf(samples, 'ccat_bytes_moved_total', { operation: 'deletion' }),
        };
        expect(counted).toEqual({ copies, bytes: Number(bytes) });
        return counted;
      },
      30_000,
    );
  });

  it('the managers process timed the cycles of every manager', async () => {
    const samples = await scrape(h.workers.get('managers')!);
    const managers = ['raw_data_package', 'data_transfer_package', 'data_transfer', 'long_term_archive'];
    const neverTimed = managers.filter(
      (manager) => !(sumOf(samples, 'ccat_manager_cycle_duration_seconds_count', { manager }) > 0),
    );
    expect(neverTimed).toEqual([]);
    // A clean run: every cycle timed completed, none failed.
    expect(sumOf(samples, 'ccat_manager_cycle_duration_seconds_count', { outcome: 'failed' })).toBe(0);
    expect(sumOf(samples, 'ccat_manager_cycle_duration_seconds_count', { outcome: 'completed' })).toBe(
      sumOf(samples, 'ccat_manager_cycle_duration_seconds_count'),
    );
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
    // BullMQ keeps the completed jobs (up to 1000 a queue): one per package packaged, per package archived
    // at Cologne, per bundle sent to the US.
    const [done]: { packages: number; cologne: number; us: number }[] = await h.db.query(
      `SELECT (SELECT count(*) FROM raw_data_package)::int AS packages,
              (SELECT count(*) FROM long_term_archive_transfer a JOIN data_location l ON l.id = a.destination_location_id
                 JOIN site s ON s.id = l.site_id WHERE s.short_name = 'cologne' AND l.name = 'lta')::int AS cologne,
              (SELECT count(*) FROM data_transfer t JOIN data_location l ON l.id = t.destination_location_id
                 JOIN site s ON s.id = l.site_id WHERE s.short_name = 'us' AND l.name = 'buffer')::int AS us`,
    );
    const completed = (queue: string) => sumOf(samples, 'ccat_queue_jobs', { queue, state: 'completed' });
    expect({
      packages: completed('ccat_telescope_computer_raw_data_package_creation'),
      cologne: completed('cologne_lta_long_term_archive_transfer'),
      us: completed('us_buffer_data_transfer'),
    }).toEqual(done);

    // MONITORING measures on its interval: wait for a measurement of every buffer, and of the US archive
    // taken after its copies were made.
    // The US archive holds every package once the run is safe; nothing is deleted from an archive.
    const [{ archived }]: { archived: string }[] = await h.db.query(
      `SELECT coalesce(sum(c.size), 0) AS archived FROM physical_copy c
         JOIN data_location l ON l.id = c.location_id JOIN site s ON s.id = l.site_id
        WHERE s.short_name = 'us' AND l.name = 'lta' AND c.status <> 'deleted'`,
    );
    const disks = await waitFor('a disk measurement of every buffer and of the US archive', async () => {
      const s = await scrapeApi();
      const measured = s.filter((x) => x.name === 'ccat_location_disk_used_percent');
      return ['ccat', 'cologne', 'us'].every((site) =>
        measured.some((x) => x.labels.site === site && x.labels.location === 'buffer'),
      ) && sumOf(s, 'ccat_location_copies_bytes', { site: 'us', location: 'lta' }) === Number(archived)
        ? s
        : null;
    });
    // The ccat buffer's disk is this machine's, as statfs sees it (others write to it meanwhile: the used
    // share to within a few percent).
    const disk = statfsSync(join(h.dataRoot, 'ccat', 'buffer'));
    const ccatBuffer = { site: 'ccat', location: 'buffer' };
    expect(sumOf(disks, 'ccat_location_disk_total_bytes', ccatBuffer)).toBe(disk.blocks * disk.bsize);
    expect(sumOf(disks, 'ccat_location_disk_used_percent', ccatBuffer)).toBeCloseTo(
      (100 * (disk.blocks - disk.bavail)) / disk.blocks,
      -1,
    );
    expect(sumOf(disks, 'ccat_location_disk_threshold_percent', ccatBuffer)).toBe(90);
    // The archives are S3: no disk to measure, but the bytes of the copies they hold.
    expect(Number(archived)).toBeGreaterThanOrEqual(
      [...h.registered.values()].reduce((n, f) => n + f.size, 0),
    );

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
