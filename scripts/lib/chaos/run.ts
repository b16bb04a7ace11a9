import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { readBackFromArchives } from '../archive-proof';
import { IngestClient } from '../instrument';
import { cli } from '../processes';
import { S3Server, startS3Server } from '../s3-server';
import { allocateSitePorts, createTransferTokens, dataUrlEnv } from '../site-workers';
import { startStack } from '../stack';
import { awaitConvergence, describeOpenWork, readRetries } from './convergence';
import { playFaults } from './faults';
import { Fleet } from './fleet';
import { PrivateRedis } from './redis-server';
import { ChaosReport } from './report';
import { planChaos } from './schedule';
import { ChaosSettings } from './settings';
import { checkPresentCopies } from './storage-check';
import { checkDeletionTrail, findDuplicateCopies } from './trail-checks';
import { Registered, registerWorkload } from './workload';

const MIN_LTA_SITES = 2;

/** Cycles, heartbeats and recovery fast enough that a run of minutes sees them at work many times. */
const PIPELINE_SPEED: NodeJS.ProcessEnv = {
  RAW_DATA_PACKAGE_MANAGER_INTERVAL: '1s',
  DATA_TRANSFER_PACKAGE_MANAGER_INTERVAL: '1s',
  DATA_TRANSFER_MANAGER_INTERVAL: '1s',
  LONG_TERM_ARCHIVE_MANAGER_INTERVAL: '1s',
  DELETION_MANAGER_INTERVAL: '1s',
  STAGING_MANAGER_INTERVAL: '2s',
  MONITORING_MANAGER_INTERVAL: '2s',
  RECOVERY_MANAGER_INTERVAL: '1s',
  RECOVERY_GRACE: '5s',
  MANAGER_SCHEDULER_REFRESH: '2s',
  HEARTBEAT_INTERVAL: '2s',
  HEARTBEAT_TTL: '8s',
  JOB_LOCK_DURATION: '5s',
  WORKER_DISCOVERY_INTERVAL: '2s',
  WORKER_SHUTDOWN_TIMEOUT: '5s',
  TRANSFER_PACKAGE_MAX_WAIT: '3s',
  DELETION_MIN_LTA_SITES: String(MIN_LTA_SITES),
};

/**
 * One chaos run: the demo topology with its own database, s3rver and private Redis, the API, a worker per
 * site and `managers` managers processes; the workload registered while the planned faults happen; then
 * convergence and the checks. Everything it started is stopped before it returns.
 */
export async function runChaos(
  settings: ChaosSettings,
  say: (line: string) => void,
  hooks: {
    /** Called after the checks, before anything is stopped: a test tampers here to see the checks fail. */
    inspect?: (run: {
      db: Client;
      s3: S3Server;
      files: Registered[];
      env: NodeJS.ProcessEnv;
    }) => Promise<void>;
  } = {},
): Promise<ChaosReport> {
  const started = Date.now();
  const report = new ChaosReport(settings);
  rmSync(settings.logDir, { recursive: true, force: true });
  mkdirSync(settings.logDir, { recursive: true });
  const s3 = await startS3Server(['ccat-cologne-lta', 'ccat-us-lta']);
  const redis = await PrivateRedis.start();
  const cleanup: (() => Promise<unknown>)[] = [() => s3.stop(), () => redis.stop()];
  try {
    const ports = await allocateSitePorts();
    const stack = await startStack({
      database: settings.database,
      dataRoot: settings.dataRoot,
      logDir: settings.logDir,
      env: {
        ...PIPELINE_SPEED,
        REDIS_URL: redis.url,
        TRANSFER_BANDWIDTH_LIMIT: settings.bandwidth,
        CCAT_S3_ENDPOINT: s3.endpoint,
        COLOGNE_S3_ACCESS_KEY: s3.credentials.accessKeyId,
        COLOGNE_S3_SECRET_KEY: s3.credentials.secretAccessKey,
        US_S3_ACCESS_KEY: s3.credentials.accessKeyId,
        US_S3_SECRET_KEY: s3.credentials.secretAccessKey,
        ...dataUrlEnv(ports),
      },
    });
    cleanup.unshift(() => stack.stop());
    say(
      `database ${stack.databaseUrl}, API ${stack.baseUrl}, Redis ${redis.url}, S3 ${s3.endpoint}, logs in ${settings.logDir}`,
    );
    const adminToken = cli(
      ['token', 'create', '--name', 'chaos-operator', '--scopes', 'admin', '--quiet'],
      stack.env,
    ).trim();
    const fleet = await Fleet.start(
      stack.env,
      ports,
      settings.managers,
      createTransferTokens(stack.env),
      settings.logDir,
    );
    cleanup.unshift(() => fleet.stop());
    const db = new Client({ connectionString: stack.databaseUrl });
    await db.connect();
    cleanup.unshift(() => db.end());

    const plan = planChaos(settings, fleet.names);
    say(
      `processes: ${fleet.names.join(', ')}; ${plan.faults.length} faults planned over ${(plan.windowMs / 1000).toFixed(0)} s`,
    );
    const setLocationActive = async (site: string, location: string, active: boolean) => {
      const { rows } = await db.query(
        `SELECT l.id FROM data_location l JOIN site s ON s.id = l.site_id WHERE s.short_name = $1 AND l.name = $2`,
        [site, location],
      );
      await graphql(
        stack.baseUrl,
        adminToken,
        `mutation($id: Int!) { ${active ? 'activate' : 'deactivate'}Location(id: $id) { active } }`,
        {
          id: rows[0].id,
        },
      );
    };
    const client = new IngestClient(stack.baseUrl, stack.token);
    const sourceRoot = join(settings.dataRoot, 'ccat', 'telescope_computer');
    const [faults, workload] = await Promise.all([
      playFaults(plan.faults, { fleet, redis, setLocationActive }, say),
      registerWorkload(
        client,
        sourceRoot,
        {
          sizes: plan.sizes,
          obsUnits: settings.obsUnits,
          batch: settings.batch,
          spreadMs: plan.windowMs * 0.8,
        },
        say,
      ),
    ]);
    report.faults = faults;
    report.kills = fleet.kills;
    report.restarts = fleet.restarts;
    report.crashes = fleet.crashes;
    report.resent = workload.resent;
    report.files = workload.files;
    const lastFault = Math.max(started, ...faults.map((f) => f.at.getTime()));
    await fleet.allUp();

    say(
      `\n== Convergence: everything archived at both sites and settled, within ${settings.convergeMs / 1000} s of the last fault`,
    );
    const archiveSites = 2;
    report.convergence = await awaitConvergence(
      db,
      {
        files: workload.files.length,
        archiveSites,
        since: lastFault,
        limitMs: settings.convergeMs,
        env: stack.env,
      },
      say,
    );
    report.retries = await readRetries(db);

    say('\n== Checks');
    report.archives = await readBackFromArchives(db, s3, workload.files, archiveSites);
    report.storage = await checkPresentCopies(stack.env);
    report.duplicates = await findDuplicateCopies(db);
    report.trail = await checkDeletionTrail(db, MIN_LTA_SITES);
    report.totalMs = Date.now() - started;
    // The inspection tampers with a settled pipeline; on one that never settled it would only fail for that.
    // The fleet stops first: a running one heals what is tampered with (the fixity audit marks a changed
    // archive object LOST and re-replicates it), racing the check that is to show the tampering.
    if (report.convergence.converged && hooks.inspect) {
      await fleet.stop();
      await hooks.inspect({ db, s3, files: workload.files, env: stack.env });
    } else if (!report.convergence.converged)
      for (const line of await describeOpenWork(db)) say(`  still open: ${line}`);
    return report;
  } finally {
    for (const step of cleanup) await step().catch((err: Error) => say(`cleanup: ${err.message}`));
  }
}

async function graphql(baseUrl: string, token: string, query: string, variables: Record<string, unknown>) {
  const res = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { errors?: { message: string }[] };
  if (res.status >= 400 || body.errors)
    throw new Error(`GraphQL ${query}: ${res.status} ${JSON.stringify(body.errors)}`);
}
