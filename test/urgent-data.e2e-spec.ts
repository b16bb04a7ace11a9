import { Queue } from 'bullmq';
import request from 'supertest';
import { TokenScope } from '../src/engine/auth/api-token.entity';
import { JOB_PRIORITY } from '../src/engine/queues/job-priority';
import { redisOptionsFromUrl } from '../src/engine/redis/redis-options';
import { createToken } from './support/factories';
import { PipelineHarness } from './support/pipeline-harness';
import { cli, waitFor } from './support/processes';

const BACKLOG = 6;
/** Long enough that the backlog's bundle cannot be safe before the urgent one, however slow a cycle is. */
const MAX_WAIT_MS = 4000;
const PACKAGING_QUEUE = 'ccat_telescope_computer_raw_data_package_creation';

/**
 * Urgent data first (issue 20, item 6), with real processes: a backlog of normal obs units waits on the
 * telescope computer's packaging queue (its worker not yet started); an urgent one registered last is
 * packaged first, bundled at once in a bundle of its own while the backlog's packages wait to fill
 * theirs, and is safe at both archive sites before any package of the backlog. Every job of its work, on
 * every queue it met, carries the urgent BullMQ priority; the backlog's the normal one. An operator's
 * `priority set` moves a queued job and is audited, as `explain` shows. About 14 s on two cores, most of it
 * the backlog's wait to fill a bundle (MAX_WAIT_MS) and its journey after it.
 */
describe('urgent data first (real processes: api, three site workers, managers, s3rver)', () => {
  let h: PipelineHarness;
  const queues = new Map<string, Queue>();
  const queue = (name: string) => {
    const open =
      queues.get(name) ??
      new Queue(name, { connection: redisOptionsFromUrl(h.ns.env.REDIS_URL), prefix: h.ns.env.QUEUE_PREFIX });
    queues.set(name, open);
    return open;
  };
  /** `ccat-dt` against this pipeline's database and Redis namespace (its queued jobs). */
  const ccatDt = (args: string[]) =>
    cli(args, { ...h.topologyEnv, ...h.ns.env, DATABASE_URL: h.api.db.url, CCAT_DATA_ROOT: h.dataRoot });
  const packagesOf = (
    units: string[],
  ): Promise<{ id: string; lta_site_count: number; bundle: string | null }[]> =>
    h.db.query(
      `SELECT id, lta_site_count, data_transfer_package_id AS bundle FROM raw_data_package
        WHERE executed_obs_unit_id = ANY($1::uuid[])`,
      [units],
    );
  const packagingJobPriority = async (unit: string) => {
    const [p] = await packagesOf([unit]);
    return (await queue(PACKAGING_QUEUE).getJob(`raw_data_package_creation-${p.id}-a0`))?.priority;
  };

  beforeAll(async () => {
    h = await PipelineHarness.start({
      without: ['ccat'],
      env: { TRANSFER_PACKAGE_MAX_WAIT: `${MAX_WAIT_MS}ms` },
    });
  }, 120_000);

  afterAll(async () => {
    await Promise.all([...queues.values()].map((q) => q.close()));
    await h?.stop();
  });

  it('sends an urgent obs unit registered last to both archives ahead of a queued backlog', async () => {
    const began = Date.now();
    const backlog: string[] = [];
    for (let i = 0; i < BACKLOG; i++) backlog.push(await h.observe('primecam', ['pcam_280'], 1, 20_000));
    const urgent = await h.observe('primecam', ['pcam_280', 'pcam_350'], 2, 20_000, { priority: 'high' });
    const all = [...backlog, urgent];
    await waitFor('every package queued at the telescope computer', async () => {
      const rows: { status: string }[] = await h.db.query(
        `SELECT status FROM raw_data_package WHERE executed_obs_unit_id = ANY($1::uuid[])`,
        [all],
      );
      return rows.length === BACKLOG + 2 && rows.every((r) => r.status === 'scheduled');
    });
    expect(await packagingJobPriority(urgent)).toBe(JOB_PRIORITY.urgent);
    expect(await packagingJobPriority(backlog[0])).toBe(JOB_PRIORITY.normal);

    // An operator moves a queued job ahead and back again: both changes audited, the job follows each.
    const last = backlog[BACKLOG - 1];
    const raised = ccatDt(['priority', 'set', last, 'high', '--reason', 'PI asked for it tonight']);
    expect(raised).toContain('priority normal -> high');
    expect(raised).toContain('1 queued job(s) moved to priority high');
    expect(await packagingJobPriority(last)).toBe(JOB_PRIORITY.urgent);
    expect(ccatDt(['priority', 'set', last, 'normal'])).toContain('priority high -> normal');
    expect(await packagingJobPriority(last)).toBe(JOB_PRIORITY.normal);
    const changes: { from: string | null; to: string; actor: string; reason: string | null }[] =
      await h.db.query(
        `SELECT from_priority AS "from", to_priority AS "to", actor, reason FROM obs_unit_priority_change
        WHERE executed_obs_unit_id = $1 ORDER BY id`,
        [last],
      );
    expect(changes).toEqual([
      {
        from: 'normal',
        to: 'high',
        actor: expect.stringMatching(/^cli:/),
        reason: 'PI asked for it tonight',
      },
      { from: 'high', to: 'normal', actor: expect.stringMatching(/^cli:/), reason: null },
    ]);
    expect(ccatDt(['explain', last])).toMatch(
      /priority: normal, set from high by cli:\S+ on .* \(2 changes\)/,
    );
    expect(ccatDt(['explain', urgent])).toMatch(/priority: high \(urgent\), set at registration by token:/);

    const released = Date.now();
    await h.startWorker('ccat');
    // The moment the urgent unit is safe at both archive sites, as the rows say it.
    const backlogThen = await waitFor(
      'the urgent obs unit to be safe at both archive sites',
      async () => {
        const mine = await packagesOf([urgent]);
        if (!mine.every((p) => p.lta_site_count === 2)) return undefined;
        return packagesOf(backlog);
      },
      60_000,
    );
    const urgentSafeMs = Date.now() - released;
    expect(backlogThen).toHaveLength(BACKLOG);
    expect(backlogThen.filter((p) => p.lta_site_count === 2)).toEqual([]);

    // Packaged first, from the back of the queue: the first package written at the buffer is the unit's.
    const packaged: { unit: string }[] = await h.db.query(
      `SELECT p.executed_obs_unit_id AS unit FROM physical_copy c
         JOIN raw_data_package p ON p.id = c.raw_data_package_id
         JOIN data_location l ON l.id = c.location_id AND l.location_type = 'buffer'
         JOIN site s ON s.id = l.site_id AND s.short_name = 'ccat'
        WHERE p.executed_obs_unit_id = ANY($1::uuid[]) ORDER BY c.created_at`,
      [all],
    );
    expect(packaged[0].unit).toBe(urgent);
    // In a bundle of its own: its two packages, nothing of the backlog.
    const mine = await packagesOf([urgent]);
    expect(new Set(mine.map((p) => p.bundle)).size).toBe(1);
    const [{ count }] = await h.db.query(
      `SELECT count(*)::int AS count FROM raw_data_package WHERE data_transfer_package_id = $1`,
      [mine[0].bundle],
    );
    expect(count).toBe(2);

    await waitFor(
      'the backlog to be safe as well',
      async () => (await packagesOf(backlog)).every((p) => p.lta_site_count === 2),
      60_000,
    );
    const backlogSafeMs = Date.now() - released;

    // Every job of the urgent unit's work, on each queue it met, was urgent; the backlog's normal.
    const jobs = await jobsOfWork(h, all);
    const kinds = new Set(jobs.map((j) => j.operation));
    expect([...kinds].sort()).toEqual([
      'data_transfer',
      'data_transfer_package_creation',
      'data_transfer_unpacking',
      'long_term_archive_transfer',
      'raw_data_package_creation',
    ]);
    const seen = await Promise.all(
      jobs.map(async (j) => ({
        job: j.jobId,
        priority: (await queue(j.queue).getJob(j.jobId))?.priority,
        want: j.unit === urgent ? JOB_PRIORITY.urgent : JOB_PRIORITY.normal,
      })),
    );
    expect(seen.filter((s) => s.priority !== s.want)).toEqual([]);

    // Staging too: a request for the urgent unit's packages is queued ahead of one for the backlog's.
    const admin = await createToken(h.db, [TokenScope.ADMIN]);
    const stage = async (units: string[]) =>
      (
        await request(h.api.app.getHttpServer())
          .post('/staging-jobs')
          .set({ Authorization: `Bearer ${admin}` })
          .send({ site: 'cologne', packages: (await packagesOf(units)).map((p) => p.id) })
          .expect(201)
      ).body as { id: string; location: string };
    const staged = [
      { job: await stage(backlog), want: JOB_PRIORITY.normal },
      { job: await stage([urgent]), want: JOB_PRIORITY.urgent },
    ];
    for (const { job, want } of staged) {
      const stagingJob = await waitFor(`staging job ${job.id} queued`, () =>
        queue(`${job.location}_staging`).getJob(`staging-${job.id}-a0`),
      );
      expect(stagingJob.priority).toBe(want);
    }
    console.log(
      `urgent data first: urgent unit safe ${urgentSafeMs} ms after the telescope computer's worker started, ` +
        `the backlog of ${BACKLOG} at ${backlogSafeMs} ms; the whole test ${Date.now() - began} ms`,
    );
  }, 150_000);
});

/** Every work row of the units' packages (one per unit and row), with the queue and job id it was run as. */
async function jobsOfWork(
  h: PipelineHarness,
  units: string[],
): Promise<{ unit: string; operation: string; queue: string; jobId: string }[]> {
  return h.db.query(
    `WITH pkg AS (SELECT id, executed_obs_unit_id AS unit, data_transfer_package_id AS bundle,
                         retry_count, source_location_id FROM raw_data_package
                   WHERE executed_obs_unit_id = ANY($1::uuid[])),
          work AS (
            SELECT DISTINCT unit, 'raw_data_package_creation' AS operation, id::text AS id, retry_count AS attempt,
                   source_location_id AS location FROM pkg
            UNION SELECT DISTINCT pkg.unit, 'data_transfer_package_creation', d.id::text, d.retry_count, d.origin_location_id
              FROM pkg JOIN data_transfer_package d ON d.id = pkg.bundle
            UNION SELECT DISTINCT pkg.unit, 'data_transfer', t.id::text, t.retry_count, t.destination_location_id
              FROM pkg JOIN data_transfer t ON t.data_transfer_package_id = pkg.bundle
            UNION SELECT DISTINCT pkg.unit, 'data_transfer_unpacking', t.id::text, t.unpack_retry_count, t.destination_location_id
              FROM pkg JOIN data_transfer t ON t.data_transfer_package_id = pkg.bundle
            UNION SELECT pkg.unit, 'long_term_archive_transfer', a.id::text, a.retry_count, a.destination_location_id
              FROM pkg JOIN long_term_archive_transfer a ON a.raw_data_package_id = pkg.id)
     SELECT w.unit, w.operation, s.short_name || '_' || l.name || '_' || w.operation AS queue,
            w.operation || '-' || w.id || '-a' || w.attempt AS "jobId"
       FROM work w JOIN data_location l ON l.id = w.location JOIN site s ON s.id = l.site_id`,
    [units],
  );
}
