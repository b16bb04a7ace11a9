import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeEntry, JournalEntry } from '../src/operations/site-relay/relay-journal';
import { BUCKETS, PipelineHarness } from './support/pipeline-harness';
import { boundQueues, REDIS_URL, waitFor } from './support/processes';
import { SeverableLink, startSeverableLink } from './support/severable-link';
import { SiteRelayProcess, startSiteRelay } from './support/site-relay';
import { tarMembers } from './support/tar';

const CUT_MS = 60_000;
const MODULES = ['pcam_280', 'pcam_350'];

/**
 * The observatory loses its link to the central PostgreSQL, Redis and API for a minute. The ccat worker
 * and the site relay reach them only through severable links; the other sites' workers and the managers
 * connect directly. Instruments keep registering through the relay; afterwards everything arrives, in
 * journal order, once, and is archived at both long-term archives.
 */
describe('the observatory cut off from the central services for a minute (real processes)', () => {
  let h: PipelineHarness;
  let links: Record<'postgres' | 'redis' | 'api', SeverableLink>;
  let relay: SiteRelayProcess;
  let relayDir: string;

  const relayEnv = () => ({
    SITE_RELAY_DIR: relayDir,
    SITE_RELAY_CENTRAL_URL: `http://127.0.0.1:${links.api.port}`,
    SITE_RELAY_TOKEN: h.token,
  });

  beforeAll(async () => {
    h = await PipelineHarness.start();
    await h.api.app.listen(0, '127.0.0.1');
    const apiPort = (h.api.app.getHttpServer().address() as { port: number }).port;
    links = {
      postgres: await startSeverableLink(Number(new URL(h.api.db.url).port || 5432)),
      redis: await startSeverableLink(Number(new URL(REDIS_URL).port || 6379)),
      api: await startSeverableLink(apiPort),
    };
    await h.workers.get('ccat')!.stop();
    await h.startWorker('ccat', {
      DATABASE_URL: links.postgres.via(h.api.db.url),
      REDIS_URL: links.redis.via(h.ns.env.REDIS_URL),
    });
    relayDir = mkdtempSync(join(tmpdir(), 'ccat-site-relay-'));
    relay = await startSiteRelay(relayEnv());
  }, 240_000);

  afterAll(async () => {
    await relay?.stop('SIGKILL');
    await h?.stop();
    await Promise.all(Object.values(links ?? {}).map((l) => l.close()));
    if (relayDir) rmSync(relayDir, { recursive: true, force: true });
  });

  const answers: number[] = [];
  /** One instrument request to the site relay; every answer is kept to be checked. */
  async function send(method: string, path: string, body: unknown): Promise<void> {
    const res = await fetch(`${relay.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    answers.push(res.status);
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  }

  /** An obs unit observed at the site: started, files written and registered (bulk and single), finished. */
  async function observeThroughRelay(name: string, files: number, maxSize: number): Promise<string> {
    const unit = {
      id: randomUUID(),
      obsUnit: name,
      instrument: 'primecam',
      startedAt: new Date().toISOString(),
    };
    await send('POST', '/executed-obs-units/start', unit);
    const registrations = Array.from({ length: files }, (_, i) => {
      const module = MODULES[i % MODULES.length];
      const path = `primecam/${unit.id}/${module}/scan_${i}.fits`;
      const bytes = randomBytes(1 + Math.floor(Math.random() * maxSize));
      return {
        ...h.writeSourceFile(path, bytes),
        id: randomUUID(),
        site: 'ccat',
        location: 'telescope_computer',
        executedObsUnitId: unit.id,
        instrumentModule: module,
      };
    });
    const [single, ...bulk] = registrations;
    await send('POST', '/raw-data-files/bulk', { files: bulk });
    await send('POST', '/raw-data-files', single);
    await send('PUT', `/executed-obs-units/${unit.id}/finish`, { outcome: 'success' });
    return unit.id;
  }

  const journal = (): JournalEntry[] =>
    readFileSync(join(relayDir, 'journal.log'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => decodeEntry(line)!);

  it('answers every registration, keeps the ccat worker up, then delivers in order and archives everything', async () => {
    // Before the cut: one unit straight to the central API, one through the relay, delivered at once.
    await h.observe('primecam', MODULES, 4, 100_000);
    await observeThroughRelay('before_cut', 5, 100_000);
    await waitFor('the relay to deliver what it has', async () => (await relay.status()).depth === 0, 30_000);

    // The cut lands while the ccat worker is packaging (large files make that take a moment).
    const busy = await observeThroughRelayThenWaitForPackaging();
    const ccat = h.workers.get('ccat')!;
    const pid = ccat.child.pid;
    let exits = 0;
    ccat.child.once('exit', () => exits++);
    for (const link of Object.values(links)) link.sever();
    const cutAt = Date.now();

    const during: string[] = [];
    let round = 0;
    while (Date.now() - cutAt < CUT_MS - 8_000) {
      during.push(await observeThroughRelay(`during_cut_${round++}`, 4, 50_000));
      if (round === 3) {
        // The relay itself dies mid-cut with undelivered entries, and comes back with all of them.
        const before = await relay.status();
        expect(before.depth).toBeGreaterThan(0);
        await relay.stop('SIGKILL');
        relay = await startSiteRelay(relayEnv());
        const after = await relay.status();
        expect(after.journaled).toBe(before.journaled);
        expect(after.depth).toBe(before.depth);
      }
      await new Promise((r) => setTimeout(r, 5_000));
    }
    const cut = await relay.status();
    expect(cut.linkUp).toBe(false);
    expect(cut.depth).toBeGreaterThanOrEqual(4 * during.length);
    expect(cut.oldestUndeliveredSeconds).toBeGreaterThan(30);
    expect(cut.lastError?.message).toBeTruthy();
    const metrics = await (await fetch(`${relay.url}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`ccat_site_relay_journal_depth\\{[^}]*\\} ${cut.depth}\\b`));
    // The ccat worker noticed, and is still the same process, answering its /health.
    expect((await ccat.health()).status).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, Math.max(0, CUT_MS - (Date.now() - cutAt))));
    expect(ccat.child.pid).toBe(pid);
    expect(ccat.child.exitCode).toBeNull();
    expect(exits).toBe(0);
    expect(links.postgres.refused() + links.redis.refused()).toBeGreaterThan(0);
    expect(ccat.output()).toMatch(/database unreachable/);

    const backlog = (await relay.status()).depth;
    const warningsDuringCut = ccat
      .output()
      .split('\n')
      .filter((l) => l.includes('"level":40')).length;
    for (const link of Object.values(links)) link.restore();
    const restoredAt = Date.now();
    await waitFor('the relay to catch up', async () => (await relay.status()).depth === 0, 60_000);
    const caughtUpMs = Date.now() - restoredAt;
    expect(answers.every((s) => s >= 200 && s < 300)).toBe(true);

    await assertDeliveredInJournalOrder();
    await waitForEverythingSafe(180_000);
    console.log(
      `cut-off figures: ${backlog} journal entries delivered ${caughtUpMs} ms after the restore; every ` +
        `file archived at both sites ${Date.now() - restoredAt} ms after it; ccat worker warnings: ` +
        `${warningsDuringCut} during ${CUT_MS / 1000} s`,
    );
    await assertArchivedWithVerifiedChecksums();
    await assertNothingLeftHalfDone();
    expect(ccat.child.pid).toBe(pid);
    expect(exits).toBe(0);
    expect(busy).toBeTruthy();
    expect((await relay.status()).deadLetters).toBe(0);
    // The ccat worker's work (packaging, bundling) was paused by the cut, not failed: no try used up.
    const [tries] = await h.db.query(
      `SELECT (SELECT coalesce(sum(retry_count), 0)::int FROM raw_data_package) AS packaging,
              (SELECT coalesce(sum(retry_count), 0)::int FROM data_transfer_package) AS bundling`,
    );
    expect(tries).toEqual({ packaging: 0, bundling: 0 });
    // Nor did a job use up a try on the cut (a try lost to something else, e.g. a busy shared server, may).
    expect(ccat.output()).not.toMatch(
      /failed \(attempt \d+\): (read ECONNRESET|write EPIPE|Connection terminated|connect ECONNREFUSED|timeout)/,
    );
    expect(ccat.output()).toMatch(/releasing \d+ queues until the database is back/);
    // It took its queues back: the same process serves every queue of the site again.
    expect((await boundQueues(ccat)).length).toBeGreaterThanOrEqual(8);

    // A crash after delivering but before the mark was written: the relay sends everything again.
    await relay.stop('SIGKILL');
    writeFileSync(join(relayDir, 'delivered'), '0\n');
    const counts = await centralCounts();
    relay = await startSiteRelay(relayEnv());
    await waitFor(
      'the relay to deliver everything again',
      async () => (await relay.status()).depth === 0,
      60_000,
    );
    const again = await relay.status();
    expect(again.deadLetters).toBe(0);
    expect(again.delivered).toBe(journal().length);
    expect(await centralCounts()).toEqual(counts);
  }, 600_000);

  /** Registers a unit of large files through the relay and waits until the ccat worker packages one. */
  async function observeThroughRelayThenWaitForPackaging(): Promise<string> {
    const unit = await observeThroughRelay('large_before_cut', 6, 12 * 1024 * 1024);
    return waitFor(
      'the ccat worker to be packaging',
      async () => {
        const [row] = await h.db.query(
          `SELECT id FROM raw_data_package WHERE executed_obs_unit_id = $1 AND status = 'in_progress'`,
          [unit],
        );
        return row?.id as string | undefined;
      },
      60_000,
    );
  }

  async function assertDeliveredInJournalOrder(): Promise<void> {
    const entries = journal();
    expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i + 1));
    // When each entry's rows were written centrally, in journal order.
    const times: number[] = [];
    for (const e of entries) {
      const ids =
        e.op === 'raw-data-files.bulk'
          ? (e.body.files as { id: string }[]).map((f) => f.id)
          : [String(e.body.id ?? e.target)];
      const table = e.op.startsWith('obs-unit') ? 'executed_obs_unit' : 'raw_data_file';
      const column = e.op === 'obs-unit.finish' ? 'updated_at' : 'created_at';
      const rows: { t: Date; n: number }[] = await h.db.query(
        `SELECT max(${column}) AS t, count(*)::int AS n FROM ${table} WHERE id = ANY($1)`,
        [ids],
      );
      expect(rows[0].n).toBe(ids.length);
      times.push(rows[0].t.getTime());
    }
    const finishes = entries.filter((e) => e.op === 'obs-unit.finish');
    for (const e of finishes) {
      const [unit] = await h.db.query(`SELECT finished_at FROM executed_obs_unit WHERE id = $1`, [e.target]);
      // The time the instrument finished, not the time the link came back.
      expect(unit.finished_at.toISOString()).toBe(e.body.finishedAt);
    }
    const starts = entries.filter((e) => e.op !== 'obs-unit.finish').map((e) => e.seq - 1);
    for (let i = 1; i < starts.length; i++) expect(times[starts[i]]).toBeGreaterThan(times[starts[i - 1]]);
    // Every file registered once: as many rows as the journal and the direct registrations hold.
    const [{ n }] = await h.db.query(`SELECT count(*)::int AS n FROM raw_data_file`);
    expect(n).toBe(h.registered.size);
  }

  async function waitForEverythingSafe(timeoutMs: number): Promise<void> {
    await waitFor(
      'every file archived at both sites',
      async () => {
        const failures = await h.failures();
        if (failures.length) throw new Error(`failed: ${JSON.stringify(failures)}`);
        const [{ unsafe }] = await h.db.query(
          `SELECT count(*)::int AS unsafe FROM raw_data_file f LEFT JOIN raw_data_package p ON p.id = f.raw_data_package_id
            WHERE p.id IS NULL OR p.state <> 'archived' OR p.lta_site_count < 2`,
        );
        return unsafe === 0;
      },
      timeoutMs,
    );
  }

  async function assertArchivedWithVerifiedChecksums(): Promise<void> {
    const archived: { site: string; relative_path: string; sha256: string; package: string }[] =
      await h.db.query(
        `SELECT s.short_name AS site, c.relative_path, c.sha256, c.raw_data_package_id AS package FROM physical_copy c
         JOIN data_location l ON l.id = c.location_id JOIN site s ON s.id = l.site_id
        WHERE l.location_type = 'long_term_archive' AND c.kind = 'raw_data_package' AND c.status = 'present'`,
      );
    const packages = new Set(archived.map((a) => a.package));
    expect(archived).toHaveLength(packages.size * 2);
    const inArchives = new Map<string, number>();
    for (const a of archived) {
      const tar = await h.getObject(BUCKETS[a.site], `archive/${a.relative_path}`);
      for (const member of (await tarMembers(tar)).values())
        inArchives.set(member, (inArchives.get(member) ?? 0) + 1);
    }
    for (const [path, file] of h.registered) expect([path, inArchives.get(file.sha256)]).toEqual([path, 2]);
  }

  async function assertNothingLeftHalfDone(): Promise<void> {
    await waitFor(
      'no work in progress',
      async () => {
        const columns: { table_name: string; column_name: string }[] = await h.db.query(
          `SELECT table_name, column_name FROM information_schema.columns
            WHERE table_schema = 'public' AND udt_name = 'operation_status'`,
        );
        for (const c of columns) {
          const [{ n }] = await h.db.query(
            `SELECT count(*)::int AS n FROM ${c.table_name} WHERE ${c.column_name} IN ('in_progress', 'failed')`,
          );
          if (n > 0) throw new Error(`${n} rows of ${c.table_name}.${c.column_name} in progress or failed`);
        }
        const [{ n }] = await h.db.query(
          `SELECT count(*)::int AS n FROM physical_copy WHERE status IN ('deletion_in_progress', 'deletion_failed')`,
        );
        return n === 0;
      },
      60_000,
    );
    const leftovers = readdirSync(join(h.dataRoot, 'ccat'), { recursive: true, encoding: 'utf8' }).filter(
      (f) => /\.part(\.json)?$/.test(f),
    );
    expect(leftovers).toEqual([]);
  }

  async function centralCounts(): Promise<Record<string, number>> {
    const [row] = await h.db.query(
      `SELECT (SELECT count(*)::int FROM raw_data_file) AS files, (SELECT count(*)::int FROM executed_obs_unit) AS units,
              (SELECT count(*)::int FROM physical_copy WHERE kind = 'raw_data_file') AS file_copies`,
    );
    return row;
  }
});
