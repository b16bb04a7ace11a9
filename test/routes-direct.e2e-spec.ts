import { PipelineHarness, BUCKETS, sha256 } from './support/pipeline-harness';
import { cli, waitFor } from './support/processes';
import { tarMembers } from './support/tar';

/**
 * A DIRECT route with real processes: ccat -> us. Packages reach the US archive straight from the ccat
 * buffer over its data port, every file checked as the package streams into S3; no bundle goes to the US
 * buffer, while Cologne still gets its bundle the usual way.
 */
describe('a DIRECT route from the observatory to the US archive (real processes, PostgreSQL, Redis, s3rver)', () => {
  let h: PipelineHarness;
  const route = (...args: string[]) => cli(['route', ...args], { DATABASE_URL: h.api.db.url });

  beforeAll(async () => {
    h = await PipelineHarness.start();
  }, 60_000);
  afterAll(() => h?.stop());

  it('refuses a direct route to a site without an archive', () => {
    expect(() => route('add', 'direct', '--from', 'cologne', '--to', 'ccat')).toThrow(
      /ccat has no long-term archive that takes new data to send to directly/,
    );
  });

  it('archives at the US straight from the ccat buffer, and at Cologne through its buffer', async () => {
    expect(route('add', 'direct', '--from', 'ccat', '--to', 'us')).toMatch(
      /Added route \d+: direct ccat -> us\./,
    );
    await h.observe('primecam', ['pcam_280', 'pcam_350'], 12, 300_000);
    const archived = await waitFor(
      'every package to be archived at both sites',
      async () => {
        const failed = await h.failures();
        if (failed.length) throw new Error(`failed: ${JSON.stringify(failed)}`);
        const rows = await h.packages();
        return rows.length === 2 && rows.every((p) => p.state === 'archived' && p.lta_site_count === 2)
          ? rows
          : null;
      },
      90_000,
    );
    const transfers = await h.db.query(
      `SELECT ds.short_name AS site FROM data_transfer t JOIN data_location d ON d.id = t.destination_location_id
         JOIN site ds ON ds.id = d.site_id`,
    );
    expect(transfers.map((t: { site: string }) => t.site)).toEqual(['cologne']);
    const uploads: { origin: string; archive: string }[] = await h.db.query(
      `SELECT os.short_name || '/' || o.name AS origin, ds.short_name AS archive FROM long_term_archive_transfer t
         JOIN data_location o ON o.id = t.origin_location_id JOIN site os ON os.id = o.site_id
         JOIN data_location d ON d.id = t.destination_location_id JOIN site ds ON ds.id = d.site_id ORDER BY 2`,
    );
    expect(uploads.filter((u) => u.archive === 'us').every((u) => u.origin === 'ccat/buffer')).toBe(true);
    expect(uploads.filter((u) => u.archive === 'cologne').every((u) => u.origin === 'cologne/buffer')).toBe(
      true,
    );
    // Read back from the US archive: every file as registered.
    let files = 0;
    for (const p of archived) {
      const tar = await h.getObject(BUCKETS.us, `archive/${p.relative_path}`);
      expect(sha256(tar)).toBe(p.sha256);
      for (const [path, digest] of await tarMembers(tar)) {
        expect(h.registered.get(path)?.sha256).toBe(digest);
        files++;
      }
    }
    expect(files).toBe(12);
    // And then the ccat buffer and the instrument disk are freed as always.
    await waitFor(
      'the source files and the ccat buffer to be freed',
      async () => {
        const rows = await h.db.query(
          `SELECT c.status FROM physical_copy c JOIN data_location l ON l.id = c.location_id
             JOIN site s ON s.id = l.site_id WHERE s.short_name = 'ccat'`,
        );
        return rows.length > 0 && rows.every((r: { status: string }) => r.status === 'deleted');
      },
      30_000,
    );
  }, 120_000);
});
