import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import request from 'supertest';
import { S3Server, startS3Server } from '../../scripts/lib/s3-server';
import { TokenScope } from '../../src/engine/auth/api-token.entity';
import { ApiHarness, startApi } from './api-app';
import { createToken, obsUnitStart } from './factories';
import {
  applyDemoTopology,
  cli,
  freePort,
  redisNamespace,
  RedisNamespace,
  RunningProcess,
  startWorker,
  waitFor,
} from './processes';

export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
export const BUCKETS: Record<string, string> = { cologne: 'ccat-cologne-lta', us: 'ccat-us-lta' };
export const SITES = ['ccat', 'cologne', 'us'];
const DEMO_TOPOLOGY = join(__dirname, '..', '..', 'config', 'topology.demo.yaml');

export interface Registered {
  path: string;
  sha256: string;
  size: number;
}

/**
 * The whole pipeline with real processes, for integration tests: s3rver for both archives, the API in
 * process (registrations, explain, staging), the demo topology with each site's buffer published at its
 * worker's data port (transfers between sites are http), one worker process per site and a managers
 * process (the built apps), all cycles at test speed.
 */
export class PipelineHarness {
  api!: ApiHarness;
  ns!: RedisNamespace;
  s3!: S3Server;
  client!: S3Client;
  dataRoot!: string;
  /** Ingest and read scopes: what an instrument holds. */
  token!: string;
  /** Unbound: for what runs in the test process itself and the managers (env()). */
  transferToken!: string;
  /** Bound to each site: what that site's worker sends. */
  readonly siteTransferTokens = new Map<string, string>();
  readonly ports = new Map<string, number>();
  readonly workers = new Map<string, RunningProcess>();
  readonly registered = new Map<string, Registered>();

  /** What the demo topology file was applied with (its ${...} variables): an apply of it again needs them. */
  topologyEnv: NodeJS.ProcessEnv = {};
  /** Settings of this run's processes on top of the test-speed ones (`env()`). */
  private settings: NodeJS.ProcessEnv = {};

  /** `without`: sites whose worker is not started (a test starts it later, with startWorker). */
  static async start(
    options: { env?: NodeJS.ProcessEnv; without?: string[] } = {},
  ): Promise<PipelineHarness> {
    const h = new PipelineHarness();
    h.settings = options.env ?? {};
    h.s3 = await startS3Server(Object.values(BUCKETS));
    h.client = new S3Client({
      endpoint: h.s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: h.s3.credentials,
    });
    h.ns = redisNamespace();
    // The page is opened over plain http on this host: its session cookie must travel without https.
    h.api = await startApi({ ...h.ns.env, ADMIN_COOKIE_INSECURE: 'true' });
    for (const site of SITES) h.ports.set(site, await freePort());
    const dataUrl = (site: string, location = 'buffer') =>
      `http://127.0.0.1:${h.ports.get(site)}/data/${site}/${location}`;
    h.topologyEnv = {
      CCAT_S3_ENDPOINT: h.s3.endpoint,
      CCAT_BUFFER_DATA_URL: dataUrl('ccat'),
      COLOGNE_BUFFER_DATA_URL: dataUrl('cologne'),
      US_BUFFER_DATA_URL: dataUrl('us'),
      COLOGNE_LTA_DATA_URL: dataUrl('cologne', 'lta'),
      US_LTA_DATA_URL: dataUrl('us', 'lta'),
    };
    ({ dataRoot: h.dataRoot } = applyDemoTopology(h.api.db.url, h.topologyEnv));
    h.token = await createToken(h.api.dataSource, [TokenScope.INGEST, TokenScope.READ]);
    h.transferToken = await createToken(h.api.dataSource, [TokenScope.TRANSFER]);
    // Each site's worker pulls with a token bound to its site, as a deployment does (operations.md): the
    // whole pipeline runs with bound tokens, so a data port that refused what open work reads shows here.
    for (const site of SITES)
      h.siteTransferTokens.set(
        site,
        await createToken(h.api.dataSource, [TokenScope.TRANSFER], `transfer-${site}`, { site }),
      );
    for (const site of SITES.filter((s) => !options.without?.includes(s))) await h.startWorker(site);
    await h.startWorker('managers');
    return h;
  }

  get db() {
    return this.api.dataSource;
  }

  env(): NodeJS.ProcessEnv {
    return {
      DATABASE_URL: this.api.db.url,
      ...this.ns.env,
      CCAT_DATA_ROOT: this.dataRoot,
      COLOGNE_S3_ACCESS_KEY: this.s3.credentials.accessKeyId,
      COLOGNE_S3_SECRET_KEY: this.s3.credentials.secretAccessKey,
      US_S3_ACCESS_KEY: this.s3.credentials.accessKeyId,
      US_S3_SECRET_KEY: this.s3.credentials.secretAccessKey,
      RAW_DATA_PACKAGE_MANAGER_INTERVAL: '300ms',
      DATA_TRANSFER_PACKAGE_MANAGER_INTERVAL: '300ms',
      DATA_TRANSFER_MANAGER_INTERVAL: '300ms',
      LONG_TERM_ARCHIVE_MANAGER_INTERVAL: '300ms',
      DELETION_MANAGER_INTERVAL: '300ms',
      STAGING_MANAGER_INTERVAL: '300ms',
      MONITORING_MANAGER_INTERVAL: '1s',
      HISTORY_MANAGER_INTERVAL: '2s',
      COPY_REPAIR_MANAGER_INTERVAL: '1s',
      // The buffers' and sources' audits re-hash up to their budget at the managers' start: off here, so
      // that each test's timing is its pipeline's (test/data-transfer-package and the chaos run audit them).
      FIXITY_BUFFER_BYTES_PER_DAY: '0',
      FIXITY_SOURCE_BYTES_PER_DAY: '0',
      EVENTS_RELAY_INTERVAL: '300ms',
      TRANSFER_PACKAGE_MAX_WAIT: '500ms',
      WORKER_DISCOVERY_INTERVAL: '1s',
      JOB_LOCK_DURATION: '2s',
      TRANSFER_TOKEN: this.transferToken,
      // Every data port is plain http on 127.0.0.1: the token may travel in clear on this one host.
      TRANSFER_ALLOW_INSECURE: 'true',
      // Recovery at test speed: lost jobs are found within seconds.
      RECOVERY_MANAGER_INTERVAL: '500ms',
      RECOVERY_GRACE: '2s',
      MANAGER_SCHEDULER_REFRESH: '1s',
      HEARTBEAT_INTERVAL: '1s',
      HEARTBEAT_TTL: '3s',
      ARCHIVE_REPLICATION_MANAGER_INTERVAL: '500ms',
      ...this.settings,
    };
  }

  /** A site's worker (on the port its buffer's data URL names) or the managers; replaces one of that name. */
  async startWorker(name: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<RunningProcess> {
    const args = name === 'managers' ? ['--role', 'managers'] : ['--site', name];
    const port = this.ports.get(name);
    const siteToken = this.siteTransferTokens.get(name);
    const worker = await startWorker(args, {
      ...this.env(),
      ...(siteToken ? { TRANSFER_TOKEN: siteToken } : {}),
      ...extraEnv,
      ...(port ? { WORKER_HTTP_PORT: String(port) } : {}),
    });
    this.workers.set(name, worker);
    return worker;
  }

  /**
   * Writes the files of one obs unit to the telescope computer, registers them and finishes the unit;
   * `start` adds to the unit's start (its `priority`).
   */
  async observe(
    instrument: string,
    modules: string[],
    files: number,
    maxSize: number,
    start: Record<string, unknown> = {},
  ): Promise<string> {
    const unit = obsUnitStart({ instrument, obsUnit: `field_${this.registered.size}`, ...start });
    const http = request(this.api.app.getHttpServer());
    const auth = { Authorization: `Bearer ${this.token}` };
    await http.post('/executed-obs-units/start').set(auth).send(unit).expect(201);
    const registrations = [];
    for (let i = 0; i < files; i++) {
      const module = modules[i % modules.length];
      const path = `${instrument}/${unit.id}/${module}/scan_${i}.fits`;
      const bytes = randomBytes(1 + Math.floor(Math.random() * maxSize));
      registrations.push({
        ...this.writeSourceFile(path, bytes),
        id: crypto.randomUUID(),
        site: 'ccat',
        location: 'telescope_computer',
        executedObsUnitId: unit.id,
        instrumentModule: module,
      });
    }
    await http.post('/raw-data-files/bulk').set(auth).send({ files: registrations }).expect(200);
    await http
      .put(`/executed-obs-units/${unit.id}/finish`)
      .set(auth)
      .send({ outcome: 'success' })
      .expect(200);
    return unit.id as string;
  }

  /** One more (large) file for an obs unit already finished: it gets a package of its own. */
  async registerLateFile(unit: string, module: string, bytes: Buffer, name = 'big.fits'): Promise<string> {
    const path = `late/${unit}/${module}/${name}`;
    const reg = this.writeSourceFile(path, bytes);
    await request(this.api.app.getHttpServer())
      .post('/raw-data-files')
      .set({ Authorization: `Bearer ${this.token}` })
      .send({
        ...reg,
        id: crypto.randomUUID(),
        site: 'ccat',
        location: 'telescope_computer',
        executedObsUnitId: unit,
        instrumentModule: module,
      })
      .expect(201);
    return path;
  }

  /** Waits until the package of the file at `path` is ARCHIVED with verified copies at both archive sites. */
  async waitUntilSafe(path: string, what: string, timeoutMs: number): Promise<void> {
    await waitFor(
      what,
      async () => {
        const [p] = await this.db.query(
          `SELECT p.state, p.lta_site_count FROM raw_data_package p JOIN raw_data_file f ON f.raw_data_package_id = p.id
            WHERE f.relative_path = $1`,
          [path],
        );
        return p?.state === 'archived' && p.lta_site_count === 2;
      },
      timeoutMs,
    );
  }

  /** `ccat-dt topology apply` of the demo topology with `extraSites` (YAML list items) appended to its sites. */
  /** The demo topology with `extraSites` appended and `edit` applied to its text, applied by the CLI. */
  applyDemoTopologyWith(extraSites: string, edit: (yaml: string) => string = (y) => y): string {
    const file = join(this.dataRoot, `topology-${randomBytes(3).toString('hex')}.yaml`);
    writeFileSync(file, `${edit(readFileSync(DEMO_TOPOLOGY, 'utf8'))}\n${extraSites}`);
    return this.cli(['topology', 'apply', file]);
  }

  /** `ccat-dt` against this pipeline's database; its standard output. */
  cli(args: string[]): string {
    return cli(args, { ...this.topologyEnv, DATABASE_URL: this.api.db.url, CCAT_DATA_ROOT: this.dataRoot });
  }

  async getObject(bucket: string, key: string): Promise<Buffer> {
    const res = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return Buffer.from(await res.Body!.transformToByteArray());
  }

  packages(): Promise<
    {
      id: string;
      name: string;
      relative_path: string;
      sha256: string;
      state: string;
      lta_site_count: number;
    }[]
  > {
    return this.db.query(
      `SELECT id, name, relative_path, sha256, state, lta_site_count FROM raw_data_package ORDER BY name`,
    );
  }

  /** Rows that failed anywhere in the pipeline; a test waiting for success stops at the first. */
  async failures(): Promise<unknown[]> {
    return this.db.query(
      `SELECT 'package' AS what, failure_reason FROM raw_data_package WHERE status = 'failed'
       UNION ALL SELECT 'transfer', failure_reason FROM data_transfer WHERE status = 'failed' OR unpack_status = 'failed'
       UNION ALL SELECT 'archive', failure_reason FROM long_term_archive_transfer WHERE status = 'failed'`,
    );
  }

  async stop(): Promise<void> {
    await Promise.all([...this.workers.values()].map((w) => w.stop('SIGKILL')));
    this.client?.destroy();
    await this.api?.close();
    await this.ns?.cleanup();
    await this.s3?.stop();
    if (this.dataRoot) rmSync(this.dataRoot, { recursive: true, force: true });
  }

  /** Writes a file onto the telescope computer (SOURCE) and remembers it as registered. */
  writeSourceFile(path: string, bytes: Buffer): Registered {
    const full = join(this.dataRoot, 'ccat', 'telescope_computer', path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, bytes);
    const reg = { path, size: bytes.length, sha256: sha256(bytes) };
    this.registered.set(path, reg);
    return reg;
  }
}
