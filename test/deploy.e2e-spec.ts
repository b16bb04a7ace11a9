import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CORE_SCHEMA, load, mergeTag } from 'js-yaml';
import { validateEnvironment } from '../src/config/environment';
import { LocationType, StorageType } from '../src/catalog/locations/location-type';
import { parseTopologyFile } from '../src/catalog/topology/topology-file';

const DEPLOY = join(__dirname, '..', 'deploy');
const COMPOSE_FILE = join(DEPLOY, 'docker-compose.yml');

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string | number>;
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  profiles?: string[];
}

/** Compose's own interpolation with nothing set in the environment: `${X:-default}`, `${X}`, `$$`. */
function interpolate(value: unknown): unknown {
  if (typeof value === 'string')
    return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}/g, (m, _name, fallback) =>
      m === '$$' ? '$' : (fallback ?? ''),
    );
  if (Array.isArray(value)) return value.map(interpolate);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v)]));
  return value;
}

type Compose = { services: Record<string, ComposeService>; volumes: Record<string, unknown> };
/** The compose file with anchors and `<<` merges resolved, its variables as written (`${X:-}`). */
const uninterpolated = load(readFileSync(COMPOSE_FILE, 'utf8'), {
  schema: CORE_SCHEMA.withTags(mergeTag),
}) as Compose;
/** The compose file as compose reads it: anchors and `<<` merges resolved, variables at their defaults. */
const compose = interpolate(uninterpolated) as Compose;
const services = compose.services;
const topology = parseTopologyFile(readFileSync(join(DEPLOY, 'topology.yml'), 'utf8'), {});
const SITE_WORKERS = ['worker-ccat', 'worker-cologne', 'worker-us'];
const APPS = ['migrate', 'topology', 'api', ...SITE_WORKERS, 'managers'];
const envOf = (name: string) =>
  Object.fromEntries(Object.entries(services[name].environment ?? {}).map(([k, v]) => [k, String(v)]));
const hostOf = (url: string) => new URL(url).hostname;

/** `docker compose` (v2 plugin) or `docker-compose` (v1), whichever this machine has, if any. */
function composeCli(): string[] | null {
  for (const cli of [['docker', 'compose'], ['docker-compose']]) {
    const probe = spawnSync(cli[0], [...cli.slice(1), 'version'], { encoding: 'utf8' });
    if (probe.status === 0) return cli;
  }
  return null;
}

describe('deploy/docker-compose.yml', () => {
  it('has the infrastructure, the one-shot jobs, the api, a worker per site and the managers', () => {
    for (const name of ['postgres', 'redis', 'minio', 'minio-buckets', ...APPS, 'prometheus', 'grafana'])
      expect(Object.keys(services)).toContain(name);
  });

  it('depends only on services that exist, waiting for health or for a one-shot to succeed', () => {
    const oneShots = new Set(['minio-buckets', 'migrate', 'topology']);
    for (const [name, service] of Object.entries(services)) {
      for (const [target, { condition }] of Object.entries(service.depends_on ?? {})) {
        expect({ name, target, exists: target in services }).toEqual({ name, target, exists: true });
        const expected = oneShots.has(target) ? 'service_completed_successfully' : 'service_healthy';
        expect({ name, target, condition }).toEqual({ name, target, condition: expected });
        if (expected === 'service_healthy') expect(services[target].healthcheck).toBeDefined();
      }
    }
    for (const app of ['api', ...SITE_WORKERS, 'managers'])
      expect(Object.keys(services[app].depends_on ?? {})).toEqual(
        expect.arrayContaining(['postgres', 'redis', 'migrate', 'topology']),
      );
  });

  it('gives every app a configuration the validated env class accepts, pointing at the compose services', () => {
    for (const app of APPS) {
      const env = validateEnvironment(envOf(app));
      // The class's defaults are 127.0.0.1: inside a container that is the container itself.
      expect({ app, db: hostOf(env.DATABASE_URL), redis: hostOf(env.REDIS_URL) }).toEqual({
        app,
        db: 'postgres',
        redis: 'redis',
      });
      expect(services[app].image).toBe(services.api.image);
    }
    expect(envOf('migrate').DATABASE_URL).toContain(`:${envOf('postgres').POSTGRES_PASSWORD}@`);
  });

  it('serves the api on 3000 and every worker on 8081, each with a healthcheck on its /health', () => {
    expect(validateEnvironment(envOf('api')).API_PORT).toBe(3000);
    expect(services.api.ports).toContainEqual(expect.stringMatching(/:3000$/));
    expect(services.api.healthcheck?.test.join(' ')).toContain('127.0.0.1:3000/health');
    for (const worker of [...SITE_WORKERS, 'managers']) {
      expect(validateEnvironment(envOf(worker)).WORKER_HTTP_PORT).toBe(8081);
      expect(services[worker].healthcheck?.test.join(' ')).toContain('127.0.0.1:8081/health');
    }
    for (const worker of SITE_WORKERS)
      expect(services[worker].ports).toContainEqual(expect.stringMatching(/:8081$/));
    expect(services.managers.command).toEqual(['node', 'dist/apps/worker/main.js', '--role', 'managers']);
  });

  it('puts Prometheus and Grafana, with the files of deploy/, under the monitoring profile only', () => {
    for (const name of ['prometheus', 'grafana']) expect(services[name].profiles).toEqual(['monitoring']);
    expect(services.prometheus.volumes).toContain(
      './prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro',
    );
    expect(services.grafana.volumes).toContainEqual(expect.stringMatching(/^\.\/grafana:/));
    const unprofiled = Object.entries(services)
      .filter(([, s]) => !s.profiles)
      .map(([n]) => n);
    expect(unprofiled).not.toContain('prometheus');
  });

  it('is accepted by `docker compose config` where a compose CLI is installed', () => {
    const cli = composeCli();
    if (!cli) {
      console.warn('no docker compose CLI on this machine: only the structural checks ran');
      return;
    }
    for (const profile of [[], ['--profile', 'monitoring']]) {
      const run = spawnSync(cli[0], [...cli.slice(1), '-f', COMPOSE_FILE, ...profile, 'config', '-q'], {
        encoding: 'utf8',
      });
      expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    }
  });
});

describe('deploy/topology.yml with the compose services', () => {
  it('has a worker for every site, serving that site', () => {
    for (const site of topology.sites) {
      const worker = services[`worker-${site.shortName}`];
      expect(worker?.command).toEqual(['node', 'dist/apps/worker/main.js', '--site', site.shortName]);
    }
    expect(topology.sites.map((s) => `worker-${s.shortName}`).sort()).toEqual([...SITE_WORKERS].sort());
  });

  it("keeps every disk location on a volume of its own site's worker", () => {
    for (const site of topology.sites) {
      const mounts = (services[`worker-${site.shortName}`].volumes ?? []).map((v) => v.split(':'));
      for (const loc of site.locations.filter((l) => l.storage === StorageType.DISK)) {
        const mount = mounts.find(([, target]) => loc.rootPath!.startsWith(`${target}/`));
        expect({ location: `${site.shortName}_${loc.name}`, volume: mount?.[0] }).toEqual({
          location: `${site.shortName}_${loc.name}`,
          volume: expect.stringMatching(/^data-/),
        });
        expect(compose.volumes).toHaveProperty(mount![0]);
      }
    }
  });

  it("serves every buffer from its site's worker, so that transfers between sites go over http", () => {
    const buffers = topology.sites.flatMap((s) =>
      s.locations.filter((l) => l.type === LocationType.BUFFER).map((l) => ({ site: s.shortName, l })),
    );
    expect(buffers.length).toBe(3);
    for (const { site, l } of buffers)
      expect(l.dataUrl).toBe(`http://worker-${site}:8081/data/${site}/${l.name}`);
  });

  it("gives each site's worker a transfer token of its own, bound to its site, and the managers none", () => {
    const example = readFileSync(join(DEPLOY, 'env.example'), 'utf8');
    const operations = readFileSync(join(__dirname, '..', 'docs', 'operations.md'), 'utf8');
    for (const site of topology.sites.map((s) => s.shortName)) {
      // Its own variable of deploy/.env, so no two sites' workers can be handed one token.
      const variable = `TRANSFER_TOKEN_${site.toUpperCase()}`;
      expect({ site, token: uninterpolated.services[`worker-${site}`].environment?.TRANSFER_TOKEN }).toEqual({
        site,
        token: `\${${variable}:-}`,
      });
      expect(example).toMatch(new RegExp(`^${variable}=$`, 'm'));
      // ... filled from a token bound to that site, as the first start says to make it.
      expect(operations).toMatch(
        new RegExp(`token create --name transfer-${site}\\S* --scopes transfer --site ${site} `),
      );
    }
    expect(example).not.toMatch(/^TRANSFER_TOKEN=/m);
    expect(envOf('managers')).not.toHaveProperty('TRANSFER_TOKEN');
  });

  it("gives each archive's credentials to the workers of its site, and creates its bucket in MinIO", () => {
    const bucketJob = (services['minio-buckets'].command ?? []).join(' ');
    for (const site of topology.sites) {
      for (const loc of site.locations.filter((l) => l.storage === StorageType.S3)) {
        expect(hostOf(loc.s3!.endpoint!)).toBe('minio');
        expect(bucketJob).toContain(`archive/${loc.s3!.bucket}`);
        const env = envOf(`worker-${site.shortName}`);
        for (const variable of [loc.s3!.accessKeyEnv!, loc.s3!.secretKeyEnv!])
          expect(env[variable]).toBeTruthy();
        expect(env[loc.s3!.accessKeyEnv!]).toBe(envOf('minio').MINIO_ROOT_USER);
      }
    }
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(__dirname, '..', 'Dockerfile'), 'utf8');

  it('builds on node:24-slim in stages, with npm ci, production dependencies only, as a non-root user', () => {
    expect(dockerfile.match(/^FROM node:24-slim/gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/^RUN npm ci\b/m);
    expect(dockerfile).toMatch(/npm run build && npm prune --omit=dev/);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^COPY --from=build \/app\/dist dist$/m);
  });
});
