import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeEntry, JournalEntry } from '../src/operations/site-relay/relay-journal';
import { BUCKETS, PipelineHarness } from './support/pipeline-harness';
import { boundQueues, REDIS_URL, RunningProcess, waitFor } from './support/processes';
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

  // One scenario, told in order: each test below goes on from where the one before it left the site.
  let busy: string;
  let ccat: RunningProcess;
  let pid: number | undefined;
  let exits = 0;
  let cutAt: number;
  let restoredAt: number;
  const during: string[] = [];

  it('before the cut: a unit straight to the central API and one through the relay are delivered at once', async () => {
    await h.observe('primecam', MODULES, 4, 100_000);
    await observeThroughRelay('before_cut', 5, 100_000);
    await waitFor('the relay to deliver what it has', async () => (await relay.status()).depth === 0, 30_000);
    expect(await relay.status()).toMatchObject({ depth: 0, deadLetters: 0, linkUp: true });
  });

  it('during the cut: the relay answers every registration and journals it, through a crash of its own', async () => {
    // The cut lands while the ccat worker is packaging (large files make that take a moment).
    busy = await observeThroughRelayThenWaitForPackaging();
    ccat = h.workers.get('ccat')!;
    pid = ccat.child.pid;
    ccat.child.once('exit', () => exits++);
    for (const link of Object.values(links)) link.sever();
    cutAt = Date.now();

    let round = 0;
    while (Date.now() - cutAt < CUT_MS - 8_000) {
      during.push(await observeThroughRelay(`during_cut_${round++}`, 4, 50_000));
      if (round === 3) {
        // The relay itself dies mid-cut with undelivered entries, and comes back with all of them: at
        // least the four of each unit registered since the cut (start, bulk, single, finish).
        const before = await relay.status();
        expect(before.depth).toBeGreaterThanOrEqual(4 * during.length);
        await relay.stop('SIGKILL');
        relay = await startSiteRelay(relayEnv());
        const after = await relay.status();
        expect(after.journaled).toBe(before.journaled);
        expect(after.depth).toBe(before.depth);
      }
      await new Promise((r) => setTimeout(r, 5_000));
    }
    expect(answers.every((s) => s >= 200 && s < 300)).toBe(true);
    const cut = await relay.status();
    expect(cut.linkUp).toBe(false);
    expect(cut.depth).toBeGreaterThanOrEqual(4 * during.length);
    expect(cut.oldestUndeliveredSeconds).toBeGreaterThan(30);
    expect(cut.lastError?.message).toBeTruthy();
    const metrics = await (await fetch(`${relay.url}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`ccat_site_relay_journal_depth\\{[^}]*\\} ${cut.depth}\\b`));
  }, 180_000);

  it('during the cut: the ccat worker notices, and stays the same process, answering its /health', async () => {
    // Unready (503) while its database and Redis are out of reach, but answering.
    expect(await ccat.health()).toMatchObject({
      status: 503,
      body: { status: 'error', error: { database: { status: 'down' }, redis: { status: 'down' } } },
    });
    await new Promise((r) => setTimeout(r, Math.max(0, CUT_MS - (Date.now() - cutAt))));
    expect(ccat.child.pid).toBe(pid);
    expect(ccat.child.exitCode).toBeNull();
    expect(exits).toBe(0);
    // Both its clients kept trying: each link turned connections away.
    expect(links.postgres.refused()).toBeGreaterThanOrEqual(1);
    expect(links.redis.refused()).toBeGreaterThanOrEqual(1);
    expect(ccat.output()).toMatch(/database unreachable/);
  }, 90_000);

  let backlog: number;
  let warningsDuringCut: number;
  let caughtUpMs: number;

  it('after the restore: the relay catches up, delivering every entry once, in journal order', async () => {
    backlog = (await relay.status()).depth;
    warningsDuringCut = ccat
      .output()
      .split('\n')
      .filter((l) => l.includes('"level":40')).length;
    for (const link of Object.values(links)) link.restore();
    restoredAt = Date.now();
    await waitFor('the relay to catch up', async () => (await relay.status()).depth === 0, 60_000);
    caughtUpMs = Date.now() - restoredAt;
    expect(answers.every((s) => s >= 200 && s < 300)).toBe(true);
    await assertDeliveredInJournalOrder();
    expect((await relay.status()).deadLetters).toBe(0);
  }, 120_000);

  it('after the restore: every file is archived at both sites with verified checksums, nothing left half done', async () => {
    await waitForEverythingSafe(180_000);
    console.log(
      `cut-off figures: ${backlog} journal entries delivered ${caughtUpMs} ms after the restore; every ` +
        `file archived at both sites ${Date.now() - restoredAt} ms after it; ccat worker warnings: ` +
        `${warningsDuringCut} during ${CUT_MS / 1000} s`,
    );
    await assertArchivedWithVerifiedChecksums();
    await assertNothingLeftHalfDone();
  }, 300_000);

  it("the ccat worker's work was paused by the cut, not failed, and it took its queues back", async () => {
    expect(ccat.child.pid).toBe(pid);
    expect(exits).toBe(0);
    // The package it was making when the cut landed was made.
    const [made] = await h.db.query(`SELECT status FROM raw_data_package WHERE id = $1`, [busy]);
    expect(made).toEqual({ status: 'completed' });
    // Packaging and bundling used up no try.
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
    // The same process serves every queue of the site again.
    expect((await boundQueues(ccat)).length).toBeGreaterThanOrEqual(8);
  });

  it('a relay crash after delivering but before writing its mark: it sends everything again, and nothing is registered twice', async () => {
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
  }, 120_000);

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
