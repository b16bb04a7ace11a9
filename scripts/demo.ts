import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { IngestClient } from './lib/instrument';
import { INSTRUMENTS, playNight } from './lib/night';
import { cli, ROOT, startApp, stop } from './lib/processes';
import { readBackFromArchives } from './lib/archive-proof';
import { startS3Server } from './lib/s3-server';
import { startStack } from './lib/stack';

/**
 * `npm run demo`: the system's main job so far. A fresh database, the demo topology and the ingest API; an
 * instrument writes a night of files to the telescope computer and registers them; a worker per site and
 * the managers start; the ccat worker packs each obs unit's files, verified, into the ccat buffer, and
 * bundles the packages into a data transfer package there, which an archive site's worker pulls, verified,
 * unpacks, verifying every file again, and writes into that site's S3 archive, read back and verified.
 */
const { values: flags } = parseArgs({
  options: {
    files: { type: 'string', default: '120' },
    size: { type: 'string', default: '4mb' },
    'obs-units': { type: 'string', default: '4' },
    keep: { type: 'boolean', default: false },
  },
});

const DATA_ROOT = process.env.CCAT_DATA_ROOT ?? join(ROOT, 'demo-data');
const SITES = ['ccat', 'cologne', 'us'];

function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(b|kb|mb|gb)?$/i.exec(text.trim());
  if (!m) throw new Error(`--size: expected e.g. 512kb or 20mb, got ${text}`);
  const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(m[2] ?? 'b').toLowerCase() as 'b'];
  return Math.floor(Number(m[1]) * unit);
}

const step = (text: string) => console.log(`\n== ${text}`);
const human = (n: number) =>
  n >= 1024 ** 2
    ? `${(n / 1024 ** 2).toFixed(1)} MiB`
    : n >= 1024
      ? `${(n / 1024).toFixed(1)} KiB`
      : `${n} B`;

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function main(): Promise<void> {
  const options = {
    files: Number(flags.files),
    obsUnits: Number(flags['obs-units']),
    maxSize: parseSize(flags.size!),
  };
  if (!Number.isInteger(options.files) || options.files < 1)
    throw new Error('--files must be a positive integer');
  if (!Number.isInteger(options.obsUnits) || options.obsUnits < 1)
    throw new Error('--obs-units must be a positive integer');

  step('S3 server (s3rver) standing in for the archives of Cologne and Cornell');
  const s3 = await startS3Server(['ccat-cologne-lta', 'ccat-us-lta']);
  console.log(`s3rver on ${s3.endpoint}, buckets ccat-cologne-lta and ccat-us-lta`);
  const s3Env = {
    CCAT_S3_ENDPOINT: s3.endpoint,
    COLOGNE_S3_ACCESS_KEY: s3.credentials.accessKeyId,
    COLOGNE_S3_SECRET_KEY: s3.credentials.secretAccessKey,
    US_S3_ACCESS_KEY: s3.credentials.accessKeyId,
    US_S3_SECRET_KEY: s3.credentials.secretAccessKey,
  };

  step('Database, topology (config/topology.demo.yaml), token, API');
  const stack = await startStack({
    database: 'ccat_demo',
    dataRoot: DATA_ROOT,
    say: console.log,
    env: {
      RAW_DATA_PACKAGE_MANAGER_INTERVAL: '1s',
      DATA_TRANSFER_PACKAGE_MANAGER_INTERVAL: '1s',
      DATA_TRANSFER_MANAGER_INTERVAL: '1s',
      LONG_TERM_ARCHIVE_MANAGER_INTERVAL: '1s',
      ...s3Env,
      // A demo night is small: bundle what has waited a few seconds instead of an hour.
      TRANSFER_PACKAGE_MAX_WAIT: '3s',
      WORKER_DISCOVERY_INTERVAL: '5s',
      HEARTBEAT_INTERVAL: '2s',
    },
  });
  const workers = [];
  const db = new Client({ connectionString: stack.databaseUrl });
  await db.connect();
  try {
    const client = new IngestClient(stack.baseUrl, stack.token);
    const sourceRoot = join(DATA_ROOT, 'ccat', 'telescope_computer');
    mkdirSync(sourceRoot, { recursive: true });

    step(
      `Instrument night: ${options.obsUnits} obs units, ${options.files} files up to ${human(options.maxSize)}`,
    );
    const started = Date.now();
    const night = await playNight(client, sourceRoot, options, console.log);
    const all = night.flatMap((w) => w.files);
    console.table(
      night.flatMap(({ unit, instrument, files }) =>
        INSTRUMENTS[instrument].map((module) => {
          const mine = files.filter((f) => f.module === module);
          const bytes = mine.reduce((s, f) => s + f.size, 0);
          return { 'obs unit': unit, instrument, module, files: mine.length, bytes: human(bytes) };
        }),
      ),
    );
    const totalBytes = all.reduce((s, f) => s + f.size, 0);
    console.log(
      `${all.length} files, ${human(totalBytes)}, in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    const sample = all[all.length - 1];
    const back = await client.call<{
      sha256: string;
      copies: { site: string; location: string; status: string }[];
    }>('GET', `/raw-data-files/${sample.id}`);
    if (back.body.sha256 !== sample.sha256)
      throw new Error('registered checksum does not match what was written');
    console.log(
      `${sample.path}: registered sha256 matches; copies: ${back.body.copies.map((c) => `${c.site}/${c.location} ${c.status}`).join(', ')}`,
    );

    step('Workers (one per site) and the managers');
    for (const site of SITES)
      workers.push(startApp('worker', { ...stack.env, WORKER_HTTP_PORT: '0' }, ['--site', site]));
    workers.push(startApp('worker', { ...stack.env, WORKER_HTTP_PORT: '0' }, ['--role', 'managers']));
    const expected = new Set(night.flatMap((n) => n.files.map((f) => `${n.unit}/${f.module}`))).size;
    await waitUntil('the raw data packages to be written into the ccat buffer', async () => {
      const { rows } = await db.query(
        `SELECT count(*) FILTER (WHERE status = 'completed')::int AS done,
                count(*) FILTER (WHERE status = 'failed')::int AS failed FROM raw_data_package`,
      );
      if (rows[0].failed > 0)
        throw new Error(`${rows[0].failed} package(s) failed; see raw_data_package.failure_reason`);
      return rows[0].done >= expected;
    });
    console.log(cli(['services'], stack.env).trimEnd());

    step(
      'Stage 1: raw data packages, decided by the manager, written into the ccat buffer by the ccat worker',
    );
    const { rows } = await db.query(
      `SELECT u.obs_unit AS "obs unit", im.name AS module, p.sequence AS seq, p.file_count AS files,
              p.size AS "tar size", left(p.sha256, 12) AS "tar sha256", p.status, p.claimed_by AS "written by",
              l.name AS "copy at"
         FROM raw_data_package p
         JOIN executed_obs_unit u ON u.id = p.executed_obs_unit_id
         JOIN instrument_module im ON im.id = p.instrument_module_id
         LEFT JOIN physical_copy c ON c.raw_data_package_id = p.id AND c.status = 'present'
         LEFT JOIN data_location l ON l.id = c.location_id
        ORDER BY u.obs_unit, im.name, p.sequence`,
    );
    console.table(rows.map((r) => ({ ...r, 'tar size': human(Number(r['tar size'])) })));
    const byCcat = rows.every(
      (r) => String(r['written by']).startsWith('worker-ccat-') && r['copy at'] === 'buffer',
    );
    console.log(
      `${rows.length} packages for ${all.length} files, every file checked against its registered SHA-256 as it ` +
        `was packed; every tar written by the ccat worker into ccat/buffer: ${byCcat ? 'yes' : 'NO'}.`,
    );
    if (!byCcat) throw new Error('a package was not written by the ccat worker into the ccat buffer');

    step('Stage 2: the waiting packages bundled into a data transfer package at the ccat buffer');
    await waitUntil('the bundle to be written', async () => {
      const { rows: b } = await db.query(
        `SELECT count(*) FILTER (WHERE status = 'completed')::int AS done,
                count(*) FILTER (WHERE status = 'failed')::int AS failed FROM data_transfer_package`,
      );
      if (b[0].failed > 0)
        throw new Error('a data transfer package failed; see data_transfer_package.failure_reason');
      const { rows: w } = await db.query(
        `SELECT count(*)::int AS n FROM raw_data_package WHERE state = 'waiting'`,
      );
      return b[0].done > 0 && w[0].n === 0;
    });
    const { rows: bundles } = await db.query(
      `SELECT d.name, d.package_count AS packages, d.size, left(d.sha256, 12) AS sha256, d.status, d.claimed_by AS "written by"
         FROM data_transfer_package d ORDER BY d.created_at`,
    );
    console.table(bundles.map((b) => ({ ...b, size: human(Number(b.size)) })));

    step('Stage 3: each bundle sent to one archive site in turn, pulled and verified into its buffer');
    await waitUntil('the bundles to reach their archive sites', async () => {
      const { rows: t } = await db.query(
        `SELECT (SELECT count(*) FROM data_transfer_package WHERE status = 'completed')::int AS bundles,
                count(*) FILTER (WHERE status = 'completed')::int AS done,
                count(*) FILTER (WHERE status = 'failed')::int AS failed FROM data_transfer`,
      );
      if (t[0].failed > 0) throw new Error('a transfer failed; see data_transfer.failure_reason');
      return t[0].done > 0 && t[0].done === t[0].bundles;
    });
    const { rows: sent } = await db.query(
      `SELECT d.name AS bundle, os.short_name || '/' || o.name AS "from", ds.short_name || '/' || dl.name AS "to",
              t.method, t.bytes_transferred AS bytes, t.status, t.claimed_by AS "pulled by"
         FROM data_transfer t JOIN data_transfer_package d ON d.id = t.data_transfer_package_id
         JOIN data_location o ON o.id = t.origin_location_id JOIN site os ON os.id = o.site_id
         JOIN data_location dl ON dl.id = t.destination_location_id JOIN site ds ON ds.id = dl.site_id
        ORDER BY t.created_at`,
    );
    console.table(sent.map((r) => ({ ...r, bytes: human(Number(r.bytes)) })));

    step('Stage 4: each bundle unpacked where it landed, every package and every file verified again');
    await waitUntil('the bundles to be unpacked', async () => {
      const { rows: u } = await db.query(
        `SELECT count(*)::int AS total, count(*) FILTER (WHERE unpack_status = 'completed')::int AS done,
                count(*) FILTER (WHERE unpack_status = 'failed')::int AS failed FROM data_transfer`,
      );
      if (u[0].failed > 0) throw new Error('an unpack failed; see data_transfer.failure_reason');
      return u[0].total > 0 && u[0].done === u[0].total;
    });
    const { rows: unpacked } = await db.query(
      `SELECT d.name AS bundle, s.short_name || '/' || l.name AS "unpacked at", d.package_count AS packages, t.unpack_status AS status
         FROM data_transfer t JOIN data_transfer_package d ON d.id = t.data_transfer_package_id
         JOIN data_location l ON l.id = t.destination_location_id JOIN site s ON s.id = l.site_id ORDER BY t.created_at`,
    );
    console.table(unpacked);

    step('Stage 5: every package tar and its JSON sidecar into the S3 archive of the site it reached');
    await waitUntil('every package to be archived', async () => {
      const { rows: a } = await db.query(
        `SELECT count(*) FILTER (WHERE status = 'failed')::int AS failed,
                (SELECT count(*) FROM raw_data_package WHERE state <> 'archived')::int AS waiting
           FROM long_term_archive_transfer`,
      );
      if (a[0].failed > 0)
        throw new Error('an archive transfer failed; see long_term_archive_transfer.failure_reason');
      return a[0].waiting === 0;
    });
    const { rows: archived } = await db.query(
      `SELECT p.name AS package, s.short_name || '/' || l.name AS archive, t.bytes_transferred AS bytes,
              left(p.sha256, 12) AS "tar sha256", t.sidecar_size AS "sidecar bytes", p.lta_site_count AS "archive sites"
         FROM long_term_archive_transfer t JOIN raw_data_package p ON p.id = t.raw_data_package_id
         JOIN data_location l ON l.id = t.destination_location_id JOIN site s ON s.id = l.site_id
        ORDER BY p.name`,
    );
    console.table(archived.map((r) => ({ ...r, bytes: human(Number(r.bytes)) })));
    const proof = await readBackFromArchives(db, s3, all);
    console.log(
      `Read back from S3 and untarred: ${proof.verified} of ${all.length} files hash to their registered SHA-256` +
        (proof.problems.length ? `; problems: ${proof.problems.slice(0, 5).join('; ')}` : '.'),
    );

    step('Where every copy is now');
    const { rows: copies } = await db.query(
      `SELECT s.short_name || '/' || l.name AS location, c.kind, count(*)::int AS copies, sum(c.size)::bigint AS bytes
         FROM physical_copy c JOIN data_location l ON l.id = c.location_id JOIN site s ON s.id = l.site_id
        WHERE c.status = 'present' GROUP BY 1, 2 ORDER BY 1, 2`,
    );
    console.table(copies.map((c) => ({ ...c, bytes: human(Number(c.bytes)) })));
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `${all.length} files, ${human(totalBytes)}: registration to a verified archive copy in ${seconds.toFixed(1)} s ` +
        `(${human(totalBytes / seconds)}/s).`,
    );
    console.log(
      '(The demo waits for the first verified archive copy of each file; replication to the second archive ' +
        'site runs on in the background, and checking it here, over http, is the next step.)',
    );
    if (proof.verified !== all.length) throw new Error('not every file was verified in the archive');

    if (flags.keep) {
      console.log(
        `\n--keep: the API stays up at ${stack.baseUrl} with token ${stack.token}. Ctrl-C to stop.`,
      );
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    }
  } finally {
    await db.end();
    await Promise.all(workers.map((w) => stop(w)));
    await stack.stop();
    await s3.stop();
  }
  console.log('\nDemo finished.');
}

main().catch((err: Error) => {
  console.error(`\ndemo failed: ${err.message}`);
  process.exit(1);
});
