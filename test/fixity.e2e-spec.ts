import { PutObjectCommand } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { BUCKETS, PipelineHarness, sha256 } from './support/pipeline-harness';
import { waitFor } from './support/processes';

interface Planned {
  copy_id: string;
  location: string;
  package_id: string;
  size: number;
  created_at: Date;
  status: string;
  ok: boolean | null;
  checked_at: Date | null;
  duration_ms: number | null;
  size_found: number | null;
  sha256_found: string | null;
  depth: 'full' | 'presence';
}

/**
 * The fixity audit with real processes: the managers plan re-hashes of the archive copies least recently
 * checked first within the byte budget, the archive sites' workers re-hash them in s3rver and record each
 * check; a corrupted archive object is found, marked lost and re-replicated from the other archive.
 */
describe('fixity audit (real processes, PostgreSQL, Redis, s3rver)', () => {
  let h: PipelineHarness;
  // Every process of the harness gets these: the audit's interval is fixed from the start (a job scheduler
  // keeps the delay it was created with until its next run), and it is off until the archives are written.
  const settings = {
    FIXITY_MANAGER_INTERVAL: '1s',
    COPY_REPAIR_MANAGER_INTERVAL: '300ms',
    FIXITY_AUDIT: 'off',
  };
  const saved = Object.fromEntries(Object.keys(settings).map((k) => [k, process.env[k]]));

  beforeAll(async () => {
    Object.assign(process.env, settings);
    h = await PipelineHarness.start();
  }, 60_000);
  afterAll(async () => {
    await h?.stop();
    for (const [k, v] of Object.entries(saved))
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  });

  const checks = (): Promise<Planned[]> =>
    h.db.query(
      `SELECT f.copy_id, s.short_name || '/' || l.name AS location, c.raw_data_package_id AS package_id,
              f.size::float8 AS size, f.created_at, f.status, f.ok, f.checked_at, f.duration_ms,
              f.size_found::float8 AS size_found, f.sha256_found, f.depth
         FROM fixity_check f JOIN physical_copy c ON c.id = f.copy_id
         JOIN data_location l ON l.id = f.location_id JOIN site s ON s.id = l.site_id
        ORDER BY f.created_at, f.id`,
    );

  describe('the archives audited within a budget, one copy corrupted', () => {
    type Package = { id: string; size: number; sha256: string; relative_path: string };
    let packages: Package[];
    let perCycle: number;
    let done: Planned[];

    // One run, told in order: archived with the audit off, then audited; each test reads what it left.
    it('archives two obs units, and plans no check while the audit is off', async () => {
      await h.observe('primecam', ['pcam_280', 'pcam_350'], 6, 300_000);
      await h.observe('chai', ['lfa', 'hfa'], 6, 300_000);
      packages = await waitFor(
        'every package archived at both sites',
        async () => {
          const failures = await h.failures();
          if (failures.length) throw new Error(JSON.stringify(failures));
          const rows = await h.db
            .query(`SELECT id, size::float8 AS size, sha256, relative_path, state, lta_site_count
                                          FROM raw_data_package ORDER BY name`);
          return rows.length === 4 &&
            rows.every(
              (p: { state: string; lta_site_count: number }) =>
                p.state === 'archived' && p.lta_site_count === 2,
            )
            ? (rows as Package[])
            : null;
        },
        150_000,
      );
      // The audit is off: nothing planned.
      expect(await checks()).toEqual([]);
    }, 180_000);

    it('re-hashes the oldest-checked copies first, and none twice before every copy once', async () => {
      const [p0, p1, p2, p3] = packages;
      // At cologne: two copies never checked, one checked two days ago, one an hour ago.
      const setChecked = (packageId: string, ago: string) =>
        h.db.query(
          `UPDATE physical_copy c SET last_fixity_at = now() - $2::interval FROM data_location l, site s
          WHERE l.id = c.location_id AND s.id = l.site_id AND s.short_name = 'cologne' AND l.name = 'lta'
            AND c.raw_data_package_id = $1`,
          [packageId, ago],
        );
      await setChecked(p0.id, '1 hour');
      await setChecked(p1.id, '2 days');
      // Bit rot at us: same size, other bytes, metadata unchanged.
      await h.client.send(
        new PutObjectCommand({
          Bucket: BUCKETS.us,
          Key: `archive/${p0.relative_path}`,
          Body: randomBytes(p0.size),
          Metadata: { sha256: p0.sha256 },
        }),
      );

      // A budget of the smallest package per one-second cycle: one copy per cycle at most, and a larger one
      // only alone.
      perCycle = Math.min(...packages.map((p) => p.size));
      await h.workers.get('managers')!.stop('SIGTERM');
      // (The buffers' and sources' audits stay off here: this test is about the archives' order and budget.)
      await h.startWorker('managers', {
        FIXITY_AUDIT: 'on',
        FIXITY_BYTES_PER_DAY: String(perCycle * 86_400),
        FIXITY_BUFFER_BYTES_PER_DAY: '0',
        FIXITY_SOURCE_BYTES_PER_DAY: '0',
      });

      done = await waitFor(
        'two rounds of checks at both archives',
        async () => {
          const rows = await checks();
          const completed = rows.filter((r) => r.status === 'completed');
          const per = (loc: string) => completed.filter((r) => r.location === loc).length;
          return per('cologne/lta') >= 8 && per('us/lta') >= 8 ? rows : null;
        },
        120_000,
      );

      // Oldest first at cologne: the two never checked (in order of creation), then two days ago, then an hour ago.
      const cologne = done.filter((r) => r.location === 'cologne/lta');
      const [{ ids }] = await h.db.query(
        `SELECT array_agg(c.raw_data_package_id ORDER BY c.created_at) AS ids FROM physical_copy c
         JOIN data_location l ON l.id = c.location_id JOIN site s ON s.id = l.site_id
        WHERE s.short_name = 'cologne' AND l.name = 'lta' AND c.raw_data_package_id = ANY($1::uuid[])`,
        [[p2.id, p3.id]],
      );
      expect(cologne.slice(0, 4).map((r) => r.package_id)).toEqual([...ids, p1.id, p0.id]);
      // Then round two: no copy is checked a second time before every copy was checked once.
      expect(new Set(cologne.slice(4, 8).map((r) => r.package_id))).toEqual(
        new Set([p0.id, p1.id, p2.id, p3.id]),
      );
    }, 150_000);

    it('keeps each cycle within its budget, or checks one larger copy alone', () => {
      const cycles = new Map<string, Planned[]>();
      for (const r of done) {
        const key = `${r.location}@${new Date(r.created_at).toISOString()}`;
        cycles.set(key, [...(cycles.get(key) ?? []), r]);
      }
      for (const planned of cycles.values()) {
        const bytes = planned.reduce((s, r) => s + r.size, 0);
        expect(bytes <= perCycle || planned.length === 1).toBe(true);
      }
    });

    it('records each check: when, how long it took, what it found', () => {
      // Each check recorded: when, what was found, how long it took; ordering kept on the copy.
      for (const r of done.filter((x) => x.status === 'completed')) {
        expect(r.checked_at).not.toBeNull();
        // The time it took: no longer than from its planning to its record.
        const span = new Date(r.checked_at!).getTime() - new Date(r.created_at).getTime();
        expect(r.duration_ms).toBeGreaterThanOrEqual(0);
        expect(r.duration_ms).toBeLessThanOrEqual(span + 1);
        expect(r.ok).not.toBeNull();
        expect(r.size_found).toBe(r.size);
      }
    });

    it('finds the corrupted copy, marks it lost by fixity, and repairs it from cologne byte for byte', async () => {
      const [p0] = packages;
      // The corrupted copy: found by the audit, lost, replaced from cologne, bytes back.
      const bad = done.filter((r) => r.ok === false);
      expect(bad).toHaveLength(1);
      expect(bad[0]).toMatchObject({ location: 'us/lta', package_id: p0.id, size_found: p0.size });
      expect(bad[0].sha256_found).not.toBe(p0.sha256);
      const [lost] = await h.db.query(`SELECT status FROM physical_copy WHERE id = $1`, [bad[0].copy_id]);
      expect(lost.status).toBe('lost');
      const [event] = await h.db.query(
        `SELECT actor FROM physical_copy_event WHERE physical_copy_id = $1 AND to_status = 'lost'`,
        [bad[0].copy_id],
      );
      expect(event.actor).toBe('fixity');
      await waitFor(
        'the lost copy to be re-replicated',
        async () => {
          const [r] = await h.db.query(
            `SELECT status, failure_reason FROM copy_repair WHERE lost_copy_id = $1`,
            [bad[0].copy_id],
          );
          if (r?.status === 'failed') throw new Error(r.failure_reason);
          return r?.status === 'completed';
        },
        60_000,
      );
      expect(sha256(await h.getObject(BUCKETS.us, `archive/${p0.relative_path}`))).toBe(p0.sha256);
      const [row] = await h.db.query(`SELECT lta_site_count FROM raw_data_package WHERE id = $1`, [p0.id]);
      expect(row.lta_site_count).toBe(2);
    }, 90_000);

    it('audits the replacement in its turn, like every present archive copy', async () => {
      await waitFor(
        'every present archive copy checked',
        async () => {
          const [{ unchecked }] = await h.db.query(
            `SELECT count(*)::int AS unchecked FROM physical_copy c JOIN data_location l ON l.id = c.location_id
            WHERE l.location_type = 'long_term_archive' AND c.status = 'present' AND c.last_fixity_at IS NULL`,
          );
          return unchecked === 0;
        },
        30_000,
      );
    }, 60_000);

    it("counts the bytes re-hashed and the failure in the US worker's metrics", async () => {
      // Metrics of the us worker: the bytes it re-hashed and the failure. The audit goes on meanwhile: at
      // least the bytes of the checks seen done above, at most those of every check recorded by the scrape.
      const rehashed = (rows: Planned[]) =>
        rows
          .filter((r) => r.location === 'us/lta' && r.status === 'completed' && r.depth === 'full')
          .reduce((n, r) => n + r.size, 0);
      const metrics = await (await fetch(`http://127.0.0.1:${h.ports.get('us')}/metrics`)).text();
      const recorded = rehashed(await checks());
      expect(metrics).toMatch(/ccat_fixity_failures_total\{[^}]*location="lta"[^}]*\} 1/);
      const verified = Number(/ccat_fixity_bytes_verified_total\{[^}]*\} (\d+)/.exec(metrics)?.[1]);
      expect(verified).toBeGreaterThanOrEqual(rehashed(done));
      expect(verified).toBeLessThanOrEqual(recorded);
    });
  });

  it('plans nothing with FIXITY_AUDIT=off', async () => {
    await h.workers.get('managers')!.stop('SIGTERM');
    const restarted = new Date();
    await h.startWorker('managers', { FIXITY_AUDIT: 'off' });
    await waitFor(
      'open checks to finish',
      async () => (await checks()).every((r) => r.status === 'completed'),
      30_000,
    );
    const before = (await checks()).length;
    // Several cycles of the (switched-off) audit.
    await waitFor(
      'three fixity cycles',
      async () => {
        const [{ n }] = await h.db.query(
          `SELECT count(*)::int AS n FROM manager_cycle WHERE kind = 'fixity' AND started_at > $1`,
          [restarted],
        );
        return n >= 3;
      },
      30_000,
    );
    expect((await checks()).length).toBe(before);
  }, 60_000);
});
