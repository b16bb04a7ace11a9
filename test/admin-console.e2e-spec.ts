import { existsSync, mkdirSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';
import { TokenScope } from '../src/engine/auth/api-token.entity';
import { createToken } from './support/factories';
import { PipelineHarness } from './support/pipeline-harness';
import { startWorker, waitFor } from './support/processes';

/** Debian's chromium (`.ci/run` installs it); playwright-core drives it, no browser is downloaded. */
const CHROMIUM = '/usr/bin/chromium';
// The machine's network is closed: nothing in Chromium may try to reach out (QUIC, sync, updates).
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const SCREENSHOT = join(__dirname, '..', 'docs', 'admin.png');
const PIPELINE_TIMEOUT = 120_000;

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium)
  console.warn(`admin console browser test SKIPPED: no ${CHROMIUM} (apt-get install chromium)`);

/**
 * The operators' page at /admin in headless Chromium against a running pipeline (real worker processes,
 * PostgreSQL, Redis, s3rver): sign-in, the overview following the pipeline, disk bars, the file search,
 * and the reset of a failed transfer, checked in the database.
 */
(haveChromium ? describe : describe.skip)('admin console in a browser (/admin)', () => {
  let h: PipelineHarness;
  let browser: Browser;
  let page: Page;
  let base = '';
  let admin = '';
  let viewer = '';
  const pageErrors: string[] = [];

  const text = async (testid: string) =>
    ((await page.getByTestId(testid).first().textContent()) ?? '').trim();
  /** Waits until the element's text matches: the page refreshes itself, the test only watches. */
  const untilText = (testid: string, want: string | RegExp, timeoutMs = 30_000) =>
    waitFor(
      `[data-testid=${testid}] to read ${want}`,
      async () => {
        const got = await text(testid);
        return typeof want === 'string' ? got === want : want.test(got);
      },
      timeoutMs,
    );
  const signIn = async (token: string) => {
    await page.getByTestId('token-input').fill(token);
    await page.getByTestId('sign-in').click();
  };
  const signOut = async () => {
    await page.getByTestId('sign-out').click();
    await page.getByTestId('sign-in-panel').waitFor();
  };
  const failureRow = (id: string) => page.locator(`[data-testid=failure][data-id="${id}"]`);

  beforeAll(async () => {
    h = await PipelineHarness.start();
    admin = await createToken(h.db, [TokenScope.ADMIN], 'console-operator');
    viewer = await createToken(h.db, [TokenScope.READ], 'console-viewer');
    await h.api.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(h.api.app.getHttpServer().address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    // A script refused by the page's own Content-Security-Policy shows up here as a console error.
    page.on('pageerror', (err) => pageErrors.push(err.message));
    // (A refused GraphQL call's 401/403 is logged too, as "Failed to load resource": expected, not counted.)
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource'))
        pageErrors.push(msg.text());
    });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await h?.stop();
  });

  it('serves the page with a self-only Content-Security-Policy, 404s what is not the page, and leaves /admin/queues to Bull Board', async () => {
    const res = await fetch(`${base}/admin`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'.*script-src 'self'/);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(await res.text()).toContain('data-testid="sign-in-form"');
    expect((await fetch(`${base}/admin/`)).status).toBe(200);
    expect((await fetch(`${base}/admin/assets/console.js`)).headers.get('content-type')).toMatch(
      /javascript/,
    );
    const missing = await fetch(`${base}/admin/assets/secrets.js`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { message: string }).message).toMatch(/no such file of the admin page/);
    expect((await fetch(`${base}/admin/assets/..%2Fadmin-page.controller.ts`)).status).toBe(404);
    // Bull Board answers, not the page's controller: its own refusal of a request without a token.
    const board = await fetch(`${base}/admin/queues`);
    expect(board.status).toBe(401);
    expect(((await board.json()) as { message: string }).message).toMatch(/sign in on \/admin/);
  });

  it(
    'signs in, follows the pipeline as files are archived, shows sites, disk bars and where a file is',
    async () => {
      await page.goto(`${base}/admin?refresh=1`);
      await signIn('ccat_000000000000_' + 'A'.repeat(43));
      await untilText('sign-in-error', /Sign-in refused: invalid, revoked or expired token/);
      await signIn(admin);
      await page.getByTestId('console').waitFor();
      await untilText('files-total', '0');
      // Signed in by a session the page's script cannot read; the token is nowhere in the browser.
      expect(await page.evaluate<string>('document.cookie')).toBe('');
      expect(
        await page.evaluate<string>('JSON.stringify({ ...sessionStorage, ...localStorage })'),
      ).not.toContain(admin);
      const [session] = await page.context().cookies();
      expect(session).toMatchObject({ name: 'ccat_admin_session', httpOnly: true, sameSite: 'Strict' });
      expect(session.value).not.toContain(admin);
      // On a fresh database both charts are drawn, a week wide, with nothing made safe yet.
      const bars = page.locator('[data-testid=chart-safe] rect.chart-bar');
      await page.locator('[data-testid=chart-safe] svg').waitFor();
      await page.locator('[data-testid=chart-backlog] svg').waitFor();
      expect(await bars.count()).toBe(0);
      expect(await page.locator('[data-testid=chart-safe] svg').getAttribute('aria-label')).toBe(
        'Bytes made safe per hour, last 7 days',
      );

      await h.observe('primecam', ['pcam_280', 'pcam_350'], 6, 50_000);
      await untilText('files-total', '6');
      await untilText('files-safe', '6', PIPELINE_TIMEOUT);
      await untilText('oldest-not-safe', 'none');
      await untilText('work-archive-completed', /^[1-9]/);
      // The charts follow from the history manager's samples: a bar for this hour, the backlog back to 0.
      // (A sample may be taken with only some of them safe: the bar grows with the next one.)
      await waitFor(
        'a bar of the 6 files made safe',
        async () =>
          (await bars.count()) === 1 &&
          /UTC: .* in 6 files made safe$/.test((await bars.first().locator('title').textContent()) ?? ''),
      );
      await untilText('chart-backlog-now', /^now 0 files/);
      expect(Number(await page.getByTestId('chart-backlog').getAttribute('data-points'))).toBeGreaterThan(0);
      await untilText('chart-safe-rate', /^(now .*\/h · [\d,]+ files\/h|no rate yet)$/);

      for (const site of ['ccat', 'cologne', 'us']) await page.getByTestId(`site-${site}`).waitFor();
      // A disk location gets a bar once MONITORING has measured it; an object store says it has no disk.
      const bar = page.getByTestId('location-ccat_buffer-bar');
      await waitFor('the ccat buffer disk bar', async () => (await bar.getAttribute('role')) === 'meter');
      expect(Number(await bar.getAttribute('aria-valuenow'))).toBeGreaterThan(0);
      expect(await text('location-cologne_lta-bar')).toMatch(/object store/);
      await untilText('location-cologne_lta-copies', /^[1-9]\d* copies/);

      const [path] = [...h.registered.keys()];
      await page.getByTestId('search-input').fill(path);
      await page.getByTestId('search-submit').click();
      const file = page.locator(`[data-testid=file][data-path="${path}"]`);
      await file.waitFor();
      const chips = await file.locator('[data-testid=copy][data-location=lta][data-status=PRESENT]').all();
      const archived = (await Promise.all(chips.map((c) => c.getAttribute('data-site')))).sort();
      expect(archived).toEqual(['cologne', 'us']);
      await file.getByTestId('why').click();
      await waitFor('the verdict', async () =>
        /Safe at cologne, us \(verified, 2 sites needed\)/.test(await text('verdict')),
      );
      expect(await file.getByTestId('explain').textContent()).toMatch(/Copy history.*cologne \/ lta/s);

      await page.getByTestId('queues-body').locator('tr').first().waitFor();
      await page.getByTestId('services-body').locator('[data-testid^=service-]').first().waitFor();
      expect(pageErrors).toEqual([]);
    },
    PIPELINE_TIMEOUT + 60_000,
  );

  it('lists a failed transfer, refuses its reset to a read-only token, resets it for an admin and the row leaves', async () => {
    // Bundle and transfer in one statement: the running transfer manager never sees the bundle alone
    // (it would send it somewhere itself).
    const [{ id }] = await h.db.query(
      `WITH bundle AS (
         INSERT INTO data_transfer_package (name, relative_path, origin_location_id, status, size, sha256, package_count)
         SELECT 'bundle_console', 'transfer/bundle_console.tar', l.id, 'completed', 1024, repeat('a', 64), 1
           FROM data_location l JOIN site s ON s.id = l.site_id WHERE s.short_name = 'ccat' AND l.name = 'buffer'
         RETURNING id, origin_location_id)
       INSERT INTO data_transfer (data_transfer_package_id, origin_location_id, destination_location_id, method, status, retry_count, failure_reason)
       SELECT b.id, b.origin_location_id, l.id, 'http', 'failed', 3, 'link down for 3 tries'
         FROM bundle b, data_location l JOIN site s ON s.id = l.site_id
        WHERE s.short_name = 'us' AND l.name = 'buffer'
       RETURNING id`,
    );
    await failureRow(id).waitFor();
    expect(await failureRow(id).textContent()).toMatch(/transfer.*us_buffer.*link down for 3 tries/s);
    await untilText('failures-count', '1');
    await page.evaluate('window.scrollTo(0, 0)');
    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });

    // With the US worker gone the transfer, once reset, stays where the reset put it (no one runs it and
    // fails it again), and the page says the site has no worker.
    await h.workers.get('us')!.stop('SIGTERM');
    await untilText('sites-without-worker', /No live worker at us/);
    // A US worker for its monitoring only: the site has a worker again, and the page names the queues it
    // leaves out (the transfer's among them, so the reset below still stays put).
    h.workers.set(
      'us-monitoring',
      await startWorker(['--site', 'us', '--operations', 'monitoring'], h.env()),
    );
    await untilText(
      'unserved-queues',
      /^No live worker serves \d+ queues: .*\bus_buffer_data_transfer\b.*\. Their work waits\.$/,
    );
    expect(await page.getByTestId('sites-without-worker').isHidden()).toBe(true);
    expect(await text('unserved-queues')).not.toMatch(/us_\w+_monitoring/);
    await page.getByTestId('queue-us_buffer_data_transfer').getByTestId('unserved').waitFor();

    await signOut();
    await signIn(viewer);
    await failureRow(id).getByTestId('reset').click();
    const refusal = async () => (await failureRow(id).getByTestId('reset-error').textContent()) ?? '';
    await waitFor('the refusal', async () =>
      /Reset refused: .*console-viewer lacks the admin scope/.test(await refusal()),
    );
    // The table is rebuilt on every refresh; the refusal stays readable across them.
    const refreshed = await text('updated-at');
    await waitFor('a refresh', async () => (await text('updated-at')) !== refreshed);
    expect(await refusal()).toMatch(/lacks the admin scope/);
    expect(await h.db.query(`SELECT status, retry_count FROM data_transfer WHERE id = $1`, [id])).toEqual([
      { status: 'failed', retry_count: 3 },
    ]);

    await signOut();
    await signIn(admin);
    await failureRow(id).getByTestId('reset').click();
    await failureRow(id).waitFor({ state: 'detached' });
    const [row] = await h.db.query(
      `SELECT status, retry_count, failure_reason FROM data_transfer WHERE id = $1`,
      [id],
    );
    expect(row.status).not.toBe('failed');
    expect(row.retry_count).toBe(4);
    expect(row.failure_reason).toBe('reset by token:console-operator after: link down for 3 tries');
    // Later refreshes do not bring it back: the server no longer lists it as failed.
    await untilText('failures-count', '0');
    expect(await failureRow(id).count()).toBe(0);

    // No US worker takes it: once its transfers have not moved or completed for two hours, the charts
    // mark since when, and the banner says what has stalled.
    await waitFor('the transfer queued for us', async () => {
      const [t] = await h.db.query(`SELECT status FROM data_transfer WHERE id = $1`, [id]);
      return t.status === 'scheduled';
    });
    await h.db.query(
      `UPDATE data_transfer SET updated_at = updated_at - interval '2 hours'
        WHERE destination_location_id = (SELECT destination_location_id FROM data_transfer WHERE id = $1)`,
      [id],
    );
    await untilText('chart-stalled', /^Stalled since .* UTC: transfer at us \(open work/);
    // (A vertical line has no width: attached, not "visible", to Playwright.)
    await page.locator('[data-testid=chart-safe] [data-testid=chart-marker]').waitFor({ state: 'attached' });
    expect(await page.locator('[data-testid=chart-safe] .chart-marker-label').textContent()).toMatch(
      /^stalled since \d\d:\d\d:\d\d UTC$/,
    );
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('offers a package that failed on a file changed at its source the way out: withdraw that file, with a reason, audited', async () => {
    // A package of two files failed on one that the instrument wrote again after registering it.
    const [{ unit }] = await h.db.query(
      `INSERT INTO executed_obs_unit (id, obs_unit, instrument_id, started_at, finished_at, outcome)
       SELECT gen_random_uuid(), 'console_changed', id, now(), now(), 'success' FROM instrument WHERE name = 'primecam'
       RETURNING id AS unit`,
    );
    const good = h.writeSourceFile(`primecam/${unit}/pcam_280/kept.fits`, Buffer.from('kept bytes'));
    const changed = `primecam/${unit}/pcam_280/rewritten.fits`;
    const reason = `${changed} changed on disk ccat/telescope_computer since its registration: other bytes`;
    const [{ pkg }] = await h.db.query(
      `INSERT INTO raw_data_package (name, relative_path, executed_obs_unit_id, instrument_module_id, source_location_id,
                                     sequence, status, failure_reason, file_count, size)
       SELECT 'console_changed_pcam_280_001', 'primecam/' || $1 || '/pcam_280_001.tar', $1::uuid, m.id, l.id, 1, 'failed', $2, 2, 20
         FROM instrument_module m, data_location l WHERE m.name = 'pcam_280' AND l.name = 'telescope_computer'
       RETURNING id AS pkg`,
      [unit, reason],
    );
    for (const [path, size, sha] of [
      [good.path, good.size, good.sha256],
      [changed, 10, 'c'.repeat(64)],
    ])
      await h.db.query(
        `INSERT INTO raw_data_file (id, relative_path, size, sha256, executed_obs_unit_id, instrument_module_id, source_location_id, raw_data_package_id)
         SELECT gen_random_uuid(), $1, $2, $3, $4, p.instrument_module_id, p.source_location_id, p.id FROM raw_data_package p WHERE p.id = $5`,
        [path, size, sha, unit, pkg],
      );
    const row = failureRow(pkg);
    await row.waitFor();
    // No reason, no action: the trail needs one.
    await row.getByTestId('withdraw-file').click();
    await waitFor('the refusal', async () =>
      /Withdraw file refused: say why first/.test((await row.getByTestId('reset-error').textContent()) ?? ''),
    );
    await row.getByTestId('amend-reason').fill('overwritten by the instrument');
    await row.getByTestId('withdraw-file').click();
    await row.waitFor({ state: 'detached' });
    const [file] = await h.db.query(
      `SELECT f.withdrawn_at, f.raw_data_package_id, e.action, e.actor, e.reason FROM raw_data_file f
         JOIN raw_data_file_event e ON e.raw_data_file_id = f.id WHERE f.relative_path = $1`,
      [changed],
    );
    expect(file).toMatchObject({
      withdrawn_at: expect.any(Date),
      raw_data_package_id: null,
      action: 'withdrawn',
      actor: 'token:console-operator',
      reason: 'overwritten by the instrument',
    });
    // Its package is packed again without it.
    const [p] = await h.db.query(`SELECT status, file_count FROM raw_data_package WHERE id = $1`, [pkg]);
    expect(p.status).not.toBe('failed');
    expect(p.file_count).toBe(1);
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('opens Bull Board with the sign-in cookie, and no longer after sign-out; a disk over its threshold turns red', async () => {
    expect((await page.goto(`${base}/admin/queues`))?.status()).toBe(200);
    await page.goto(`${base}/admin?refresh=1`);
    await page.getByTestId('console').waitFor();
    await h.db.query(
      `UPDATE data_location SET disk_usage_threshold_percent = 0.01
        WHERE name = 'buffer' AND site_id = (SELECT id FROM site WHERE short_name = 'ccat')`,
    );
    await waitFor(
      'the ccat buffer bar to turn red',
      async () => (await page.getByTestId('location-ccat_buffer-bar').getAttribute('data-over')) === 'true',
    );
    await signOut();
    expect(await page.context().cookies()).toEqual([]);
    expect((await page.goto(`${base}/admin/queues`))?.status()).toBe(401);
  });
});
