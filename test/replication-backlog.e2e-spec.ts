import { ConfigService } from '@nestjs/config';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { DataSource, EntityManager } from 'typeorm';
import { PhysicalCopyService } from '../src/catalog/physical-copies/physical-copy.service';
import { CopyKind } from '../src/catalog/physical-copies/physical-copy.states';
import { LtaRoutingService } from '../src/catalog/routing/lta-routing.service';
import { typeOrmOptions } from '../src/database/typeorm-options';
import { OperationStatus } from '../src/engine/work/operation-status';
import { ArchiveReplicationManager } from '../src/pipeline/archive/archive-replication.manager';
import { ReplicationSwitchService } from '../src/pipeline/archive/replication-switch.service';
import { DeletionSwitchService } from '../src/pipeline/deletion/deletion-switch.service';
import { PackageState } from '../src/pipeline/packaging/raw-data-package.states';
import { PipelineOverviewService } from '../src/operations/status/pipeline-overview.service';
import { StatusService } from '../src/operations/status/status.service';
import { QueueCoverageService } from '../src/engine/queues/queue-coverage';
import { QueueDiscoveryService } from '../src/engine/queues/queue-discovery.service';
import { insertObsUnit, insertRawDataPackage } from './support/factories';
import { applyDemoTopology, cli, redisNamespace, RedisNamespace } from './support/processes';
import { createTestDatabase, TestDatabase } from './support/test-database';

const SIZE = 1_000_000;

/**
 * Issue 19 item 2: the replication backlog counted by the planner's own definition, the pause per
 * destination site (CLI, persisted, audited) that the manager respects, and the progress line in
 * `ccat-dt replication status`, `ccat-dt status` and the overview. Real PostgreSQL and Redis; the
 * manager's cycles are driven directly on rows as the pipeline leaves them.
 */
describe('replication backlog: counted, paused per site, shown (PostgreSQL, Redis)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let ns: RedisNamespace;
  let dataRoot: string;
  let config: ConfigService;
  let switches: ReplicationSwitchService;
  let manager: ArchiveReplicationManager;
  const env = () => ({ DATABASE_URL: db.url, ...ns.env });
  const loc = async (site: string, name = 'lta'): Promise<number> =>
    (
      await ds.query(
        `SELECT l.id FROM data_location l JOIN site s ON s.id = l.site_id WHERE s.short_name = $1 AND l.name = $2`,
        [site, name],
      )
    )[0].id;

  /** An archived package (no bundle: settled) with verified archive copies at `sites`. */
  const archivedAt = (sites: string[]) =>
    ds.transaction(async (m: EntityManager) => {
      const unit = randomUUID();
      await insertObsUnit(m, { id: unit });
      const pkg = await insertRawDataPackage(m, unit, {
        status: OperationStatus.COMPLETED,
        state: PackageState.ARCHIVED,
        size: SIZE,
        sha256: 'c'.repeat(64),
        fileCount: 1,
      });
      for (const site of sites)
        await new PhysicalCopyService(ds).createCopies(
          m,
          [
            {
              kind: CopyKind.RAW_DATA_PACKAGE,
              rawDataPackageId: pkg.id,
              locationId: await loc(site),
              relativePath: `archive/${pkg.id}.tar`,
              size: SIZE,
              sha256: 'c'.repeat(64),
            },
          ],
          { actor: 'test' },
        );
      return pkg.id;
    });
  /** Replication transfers planned into `site`, by package. */
  const plannedInto = async (site: string): Promise<string[]> =>
    (
      await ds.query(
        `SELECT raw_data_package_id AS id FROM long_term_archive_transfer WHERE destination_location_id = $1`,
        [await loc(site)],
      )
    ).map((r: { id: string }) => r.id);
  const bySite = async () => new Map((await switches.progress()).sites.map((s) => [s.site, s]));

  let atCologne: string[];
  let atUs: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    ({ dataRoot } = applyDemoTopology(db.url, {
      COLOGNE_LTA_DATA_URL: 'http://cologne.invalid:8081',
      US_LTA_DATA_URL: 'http://us.invalid:8081',
    }));
    ds = await new DataSource(typeOrmOptions(db.url)).initialize();
    ns = redisNamespace();
    config = new ConfigService({ ...ns.env, REPLICATION_BYTES_PER_DAY: 0 });
    switches = new ReplicationSwitchService(ds, config as never);
    manager = new ArchiveReplicationManager(
      ds,
      new LtaRoutingService(ds, ns.redis, config as never),
      config as never,
      switches,
    );
    // Three packages only Cologne holds, one only the US holds, one both hold.
    atCologne = [await archivedAt(['cologne']), await archivedAt(['cologne']), await archivedAt(['cologne'])];
    atUs = await archivedAt(['us']);
    await archivedAt(['cologne', 'us']);
  });
  afterAll(async () => {
    await ds.destroy();
    await db.drop();
    await ns.cleanup();
    rmSync(dataRoot, { recursive: true, force: true });
  });

  it('counts, per archive site, the archived packages it holds and lacks and the bytes to go', async () => {
    const sites = await bySite();
    expect(sites.get('us')).toMatchObject({ total: 5, held: 2, lacking: 3, bytesToGo: 3 * SIZE, open: 0 });
    expect(sites.get('cologne')).toMatchObject({ total: 5, held: 4, lacking: 1, bytesToGo: SIZE });
    expect((await switches.progress()).summary).toEqual([
      'cologne/lta: 4 of 5 packages, 1.0 MB to go, no progress in the last hour',
      'us/lta: 2 of 5 packages, 3.0 MB to go, no progress in the last hour',
    ]);
    // The ETA follows the daily cap when one is set.
    const capped = new ReplicationSwitchService(
      ds,
      new ConfigService({ REPLICATION_BYTES_PER_DAY: SIZE }) as never,
    );
    expect((await capped.progress()).summary[1]).toBe('us/lta: 2 of 5 packages, 3.0 MB to go, about 3 days');
  });

  it('refuses an unknown site by name, in the CLI and the service', async () => {
    const run = spawnSync(
      process.execPath,
      [join(__dirname, '..', 'bin', 'ccat-dt.js'), 'replication', 'pause', '--site', 'mars'],
      { env: { ...process.env, ...env() }, encoding: 'utf8' },
    );
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/no archive site "mars": replication writes into cologne, us/);
    // ccat has no archive: not a replication destination either.
    await expect(switches.pause('ccat', 'test')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(() => cli(['replication', 'status', '--site', 'mars'], env())).toThrow(/no archive site "mars"/);
    expect(await switches.pauses()).toEqual([]);
  });

  it('plans nothing new into a paused site, and the others go on', async () => {
    const out = cli(['replication', 'pause', '--site', 'us', '--reason', 'new tape library'], env());
    expect(out).toMatch(/Replication into us paused/);
    const [pause] = await switches.pauses();
    expect(pause).toMatchObject({
      site: 'us',
      reason: 'new tape library',
      by: expect.stringMatching(/^cli:/),
    });
    expect(pause.since).toBeInstanceOf(Date);

    expect(await manager.runCycle()).toMatchObject({ planned: 1, pausedSites: 1 });
    expect(await plannedInto('us')).toEqual([]);
    expect(await plannedInto('cologne')).toEqual([atUs]);

    const status = cli(['replication', 'status'], env());
    expect(status).toMatch(/replication into us PAUSED since .* by cli:.*: new tape library/);
    expect(status).toContain('us/lta: 2 of 5 packages, 3.0 MB to go, paused');
    expect(status).toContain(
      'cologne/lta: 4 of 5 packages, 1.0 MB to go, no progress in the last hour (1 transfer open)',
    );
    expect((await bySite()).get('cologne')).toMatchObject({ lacking: 1, open: 1 });
  });

  it('holds every site under a pause of all, and plans again once resumed', async () => {
    cli(['replication', 'pause'], env());
    expect(await manager.runCycle()).toEqual({ paused: true });
    // A site's own resume leaves the pause of every site in force, and says so.
    expect(cli(['replication', 'resume', '--site', 'us'], env())).toMatch(/every site is still paused/);
    expect(await manager.runCycle()).toEqual({ paused: true });
    expect(cli(['replication', 'resume'], env())).toMatch(/resumed into every archive site/);
    expect(await switches.pauses()).toEqual([]);
    // The last change stays on record.
    const [row] = await ds.query(`SELECT changed_by FROM replication_switch WHERE scope = 'us'`);
    expect(row.changed_by).toMatch(/^cli:/);

    expect(await manager.runCycle()).toMatchObject({ planned: 3, pausedSites: 0 });
    expect((await plannedInto('us')).sort()).toEqual([...atCologne].sort());
    expect((await bySite()).get('us')).toMatchObject({ lacking: 3, open: 3 });
  });

  it('shows the progress in ccat-dt status and the overview, and that every site holds all when so', async () => {
    const status = cli(['status'], env());
    expect(status).toContain('replication (archived packages each archive site holds):');
    expect(status).toContain(
      'us/lta: 2 of 5 packages, 3.0 MB to go, no progress in the last hour (3 transfers open)',
    );
    const overview = await new PipelineOverviewService(
      new StatusService(
        ds,
        ns.redis,
        config as never,
        new DeletionSwitchService(ds),
        switches,
        new QueueCoverageService(new QueueDiscoveryService(ds), ns.redis, config as never),
      ),
      ds,
    ).overview();
    expect(overview.replication.sites.map((s) => s.site)).toEqual(['cologne', 'us']);
    expect(overview.replication.summary[1]).toMatch(/^us\/lta: 2 of 5 packages/);

    // The copies arrive (as the archive worker records them): nothing is left to go.
    for (const id of atCologne) await copyArrives(id, 'us');
    await copyArrives(atUs, 'cologne');
    await ds.query(`UPDATE long_term_archive_transfer SET status = 'completed'`);
    const done = await switches.progress();
    expect(done.sites).toEqual([]);
    expect(done.summary).toEqual(['every archive site holds every archived package']);
    expect(cli(['replication', 'status'], env())).toContain(
      'every archive site holds every archived package',
    );
  });

  const copyArrives = (packageId: string, site: string) =>
    ds.transaction(async (m) =>
      new PhysicalCopyService(ds).createCopies(
        m,
        [
          {
            kind: CopyKind.RAW_DATA_PACKAGE,
            rawDataPackageId: packageId,
            locationId: await loc(site),
            relativePath: `archive/${packageId}.tar`,
            size: SIZE,
            sha256: 'c'.repeat(64),
          },
        ],
        { actor: 'test' },
      ),
    );
});
