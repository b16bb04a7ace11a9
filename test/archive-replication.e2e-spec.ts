import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { BUCKETS, PipelineHarness, sha256 } from './support/pipeline-harness';
import { waitFor } from './support/processes';

/**
 * Archive-to-archive replication with real processes: a night archived at Cologne alone while the US
 * archive is out of service, its sources and buffers freed (one site is enough here), then the US archive
 * back in service. Nothing of that night is left anywhere but in Cologne's bucket, so every package the US
 * archive receives can only come from there, through Cologne's worker.
 */
describe('an archive site that missed a night is filled from another archive (real processes, PostgreSQL, Redis, s3rver)', () => {
  let h: PipelineHarness;
  let usLta: number;
  let cologneLta: number;

  const archiveOf = async (site: string): Promise<number> =>
    (
      await h.db.query(
        `SELECT l.id FROM data_location l JOIN site s ON s.id = l.site_id WHERE s.short_name = $1 AND l.name = 'lta'`,
        [site],
      )
    )[0].id;
  const outsideTheArchives = async (): Promise<number> =>
    (
      await h.db.query(
        `SELECT count(*)::int AS n FROM physical_copy c JOIN data_location l ON l.id = c.location_id
          WHERE l.location_type <> 'long_term_archive' AND c.status <> 'deleted'`,
      )
    )[0].n;
  const everyPackageAt = (sites: number) =>
    waitFor(
      `every package at ${sites} archive sites`,
      async () => {
        const failed = await h.failures();
        if (failed.length) throw new Error(JSON.stringify(failed));
        return (await h.packages()).every((p) => p.lta_site_count === sites);
      },
      180_000,
    );

  beforeAll(async () => {
    h = await PipelineHarness.start({ env: { DELETION_MIN_LTA_SITES: '1' } });
    usLta = await archiveOf('us');
    cologneLta = await archiveOf('cologne');
    await h.db.query(`UPDATE data_location SET active = false WHERE id = $1`, [usLta]);
    await h.observe('primecam', ['pcam_280', 'pcam_350'], 8, 100_000);
    await h.observe('chai', ['lfa', 'hfa'], 6, 100_000);
    // The night is archived at Cologne, and every copy outside an archive is gone.
    await waitFor(
      'every package archived at cologne and every source and buffer copy deleted',
      async () => {
        if ((await h.failures()).length) throw new Error(JSON.stringify(await h.failures()));
        const [row] = await h.db.query(
          `SELECT (SELECT count(*) FROM raw_data_package WHERE state <> 'archived')::int AS unarchived,
                  (SELECT count(*) FROM raw_data_package)::int AS packages,
                  (SELECT count(*) FROM physical_copy c JOIN data_location l ON l.id = c.location_id
                    WHERE l.location_type <> 'long_term_archive' AND c.status <> 'deleted')::int AS outside`,
        );
        return row.packages > 0 && row.unarchived === 0 && row.outside === 0;
      },
      180_000,
    );
  }, 240_000);
  afterAll(() => h?.stop());

  it('leaves the night at one archive site while the other is out of service', async () => {
    const packages = await h.packages();
    expect(packages.every((p) => p.lta_site_count === 1)).toBe(true);
    const [{ n }] = await h.db.query(`SELECT count(*)::int AS n FROM physical_copy WHERE location_id = $1`, [
      usLta,
    ]);
    expect(n).toBe(0);
  });

  it('copies every package into the US archive from Cologne’s, verified, once that archive is back in service', async () => {
    await h.db.query(`UPDATE data_location SET active = true WHERE id = $1`, [usLta]);
    await everyPackageAt(2).catch(async (err) => {
      const cycles = await h.db.query(
        `SELECT outcome, summary, error FROM manager_cycle WHERE kind = 'archive_replication' ORDER BY started_at DESC LIMIT 3`,
      );
      const diag = await h.db.query(
        `SELECT (SELECT json_agg(l) FROM (SELECT id, name, site_id, active, storage_type, location_type FROM data_location WHERE location_type = 'long_term_archive') l) AS archives,
                (SELECT json_agg(p) FROM (SELECT id, state, lta_site_count, data_transfer_package_id FROM raw_data_package) p) AS packages,
                (SELECT json_agg(d) FROM (SELECT id, status, distributed_at FROM data_transfer_package) d) AS bundles`,
      );
      console.log(JSON.stringify(diag));
      const transfers = await h.db.query(
        `SELECT * FROM long_term_archive_transfer WHERE destination_location_id = $1`,
        [usLta],
      );
      throw new Error(
        `${err}: last replication cycles ${JSON.stringify(cycles)}; transfers into us ${JSON.stringify(transfers)}`,
      );
    });
    const transfers: { origin: number; status: string }[] = await h.db.query(
      `SELECT origin_location_id AS origin, status FROM long_term_archive_transfer WHERE destination_location_id = $1`,
      [usLta],
    );
    const packages = await h.packages();
    expect(transfers).toHaveLength(packages.length);
    expect(transfers.every((t) => t.origin === cologneLta && t.status === 'completed')).toBe(true);
  }, 200_000);

  it('holds in the US bucket the bytes each package was packed with, read back by the test itself', async () => {
    for (const p of await h.packages()) {
      const bytes = await h.getObject(BUCKETS.us, `archive/${p.relative_path}`);
      expect(sha256(bytes)).toBe(p.sha256);
      const sidecar = await h.getObject(BUCKETS.us, `archive/${p.relative_path}.json`);
      expect(JSON.parse(sidecar.toString()).package.sha256).toBe(p.sha256);
    }
  });

  it('read nothing from the freed sources and buffers: no copy outside the archives came back', async () => {
    expect(await outsideTheArchives()).toBe(0);
    const [{ bundleTransfers }] = await h.db.query(
      `SELECT count(*)::int AS "bundleTransfers" FROM data_transfer t JOIN data_location d ON d.id = t.destination_location_id
        JOIN site s ON s.id = d.site_id WHERE s.short_name = 'us'`,
    );
    expect(bundleTransfers).toBe(0);
  });

  it('fills a third archive site added by topology apply from both archives in turn, each object read back by the test', async () => {
    await h.client.send(new CreateBucketCommand({ Bucket: BONN_BUCKET }));
    h.applyDemoTopologyWith(BONN_SITE);
    await h.startWorker('bonn', {
      BONN_S3_ACCESS_KEY: h.s3.credentials.accessKeyId,
      BONN_S3_SECRET_KEY: h.s3.credentials.secretAccessKey,
    });
    await everyPackageAt(3).catch(async (err) => {
      const cycles = await h.db.query(
        `SELECT outcome, summary, error FROM manager_cycle WHERE kind = 'archive_replication' ORDER BY started_at DESC LIMIT 3`,
      );
      const transfers = await h.db.query(
        `SELECT t.status, t.failure_reason, t.retry_count FROM long_term_archive_transfer t
           JOIN data_location d ON d.id = t.destination_location_id JOIN site s ON s.id = d.site_id
          WHERE s.short_name = 'bonn'`,
      );
      throw new Error(
        `${err}: last replication cycles ${JSON.stringify(cycles)}; transfers into bonn ${JSON.stringify(transfers)}; ` +
          `bonn worker: ${h.workers.get('bonn')?.output().slice(-3000)}`,
      );
    });
    const bonnLta = await archiveOf('bonn');
    const origins: { origin: number }[] = await h.db.query(
      `SELECT origin_location_id AS origin FROM long_term_archive_transfer WHERE destination_location_id = $1`,
      [bonnLta],
    );
    // Taken in turn: both archives that hold the night gave some of it.
    expect(new Set(origins.map((o) => o.origin))).toEqual(new Set([cologneLta, usLta]));
    for (const p of await h.packages()) {
      expect(sha256(await h.getObject(BONN_BUCKET, `archive/${p.relative_path}`))).toBe(p.sha256);
    }
    expect(await outsideTheArchives()).toBe(0);
  }, 240_000);

  it('retires Cologne’s archive for new storage: re-homed there from the old one, then emptied, object by object', async () => {
    await h.client.send(new CreateBucketCommand({ Bucket: NEW_COLOGNE_BUCKET }));
    h.applyDemoTopologyWith(BONN_SITE, withNewCologneArchive);
    const retired = h.cli(['location', 'retire', 'cologne/lta']);
    expect(retired).toContain('cologne/lta is retiring');
    const lta2 = (
      await h.db.query(
        `SELECT l.id FROM data_location l JOIN site s ON s.id = l.site_id WHERE s.short_name = 'cologne' AND l.name = 'lta2'`,
      )
    )[0].id;
    const packages = await h.packages();
    await waitFor(
      'every package re-homed at cologne/lta2',
      async () => {
        if ((await h.failures()).length) throw new Error(JSON.stringify(await h.failures()));
        const [{ n }] = await h.db.query(
          `SELECT count(*)::int AS n FROM physical_copy WHERE location_id = $1 AND status = 'present'`,
          [lta2],
        );
        return n === packages.length;
      },
      180_000,
    );
    // Read locally at Cologne, from the old storage: no long link crossed.
    const origins: { origin: number }[] = await h.db.query(
      `SELECT DISTINCT origin_location_id AS origin FROM long_term_archive_transfer WHERE destination_location_id = $1`,
      [lta2],
    );
    expect(origins).toEqual([{ origin: cologneLta }]);
    for (const p of packages)
      expect(sha256(await h.getObject(NEW_COLOGNE_BUCKET, `archive/${p.relative_path}`))).toBe(p.sha256);
    expect(h.cli(['location', 'retire', 'cologne/lta', '--plan'])).toContain('Nothing depends on it');

    expect(h.cli(['location', 'empty', 'cologne/lta', '--confirm'])).toContain(
      'cologne/lta is being emptied',
    );
    await waitFor(
      'every copy at the retired cologne/lta deleted',
      async () => {
        const [{ left }] = await h.db.query(
          `SELECT count(*)::int AS left FROM physical_copy WHERE location_id = $1 AND status <> 'deleted'`,
          [cologneLta],
        );
        return left === 0;
      },
      120_000,
    );
    for (const p of packages) {
      await expect(h.getObject(BUCKETS.cologne, `archive/${p.relative_path}`)).rejects.toThrow(
        /NoSuchKey|not exist/,
      );
      await expect(h.getObject(BUCKETS.cologne, `archive/${p.relative_path}.json`)).rejects.toThrow(
        /NoSuchKey|not exist/,
      );
    }
    // Still at three sites: Cologne now holds each package in its new storage.
    expect((await h.packages()).every((p) => p.lta_site_count === 3)).toBe(true);
    expect(h.cli(['location', 'retire', 'cologne/lta', '--plan'])).toContain(
      'Nothing is held there any more',
    );
    expect(h.cli(['status'])).toContain(
      `cologne/lta retired: nothing held any more (${packages.length} removed); it may be set inactive`,
    );
  }, 400_000);
});

const BONN_BUCKET = 'ccat-bonn-lta';
const NEW_COLOGNE_BUCKET = 'ccat-cologne-lta2';
/** Cologne's new archive storage, as an operator would add it beside the old one in the topology file. */
const withNewCologneArchive = (yaml: string): string => {
  const anchor = '      # Scratch space where archived data is staged for analysis';
  if (!yaml.includes(anchor)) throw new Error('the demo topology changed: place lta2 under cologne again');
  return yaml.replace(
    anchor,
    `      - name: lta2
        type: long_term_archive
        storage: s3
        s3:
          endpoint: \${CCAT_S3_ENDPOINT}
          region: us-east-1
          bucket: ${NEW_COLOGNE_BUCKET}
          prefix: archive/
          accessKeyEnv: COLOGNE_S3_ACCESS_KEY
          secretKeyEnv: COLOGNE_S3_SECRET_KEY
          allowInsecureHttp: true
${anchor}`,
  );
};
/** A third archive site, as an operator would add it to the topology file. */
const BONN_SITE = `
  - name: Max Planck Institute for Radio Astronomy
    shortName: bonn
    location: Bonn, Germany
    locations:
      - name: lta
        type: long_term_archive
        storage: s3
        s3:
          endpoint: \${CCAT_S3_ENDPOINT}
          region: us-east-1
          bucket: ${BONN_BUCKET}
          prefix: archive/
          accessKeyEnv: BONN_S3_ACCESS_KEY
          secretKeyEnv: BONN_S3_SECRET_KEY
          allowInsecureHttp: true
`;
