import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { protocolMismatch, RELEASE } from '../../engine/release/release';
import { REDIS } from '../../engine/redis/redis.module';
import { Environment } from '../../config/environment';
import { MIGRATIONS } from '../../database/migration-list';
import { readHeartbeats } from '../../engine/heartbeats/heartbeat';
import { DataLocation } from '../../catalog/locations/data-location.entity';
import { LocationType } from '../../catalog/locations/location-type';
import { StorageService } from '../../engine/storage/storage.service';
import { clockCheck, DoctorCheck, fail, ok, skip } from './doctor-check';
import { checkDataUrl, checkLocation } from './doctor-storage';

export interface DoctorOptions {
  /** Only the locations of this site (what its worker serves), else every active location. */
  site?: string;
}

const within = <T>(ms: number, what: Promise<T>): Promise<T> =>
  Promise.race([
    what,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms).unref()),
  ]);

/**
 * `ccat-dt doctor`: what a deployment needs, checked from this host, one row each with the fix: the
 * database (reachable, migrated), Redis, the clock, the locations this host serves, the buffers' data
 * ports with the transfer token, live workers per site and the release each of them runs.
 */
@Injectable()
export class DoctorService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly storage: StorageService,
    private readonly config: ConfigService<Environment, true>,
  ) {}

  async run(options: DoctorOptions = {}): Promise<DoctorCheck[]> {
    const checks: DoctorCheck[] = [];
    const database = await this.database();
    checks.push(...database);
    const redis = await this.redisCheck();
    checks.push(redis);
    if (database.some((c) => c.status === 'FAIL')) {
      checks.push(skip('locations, data ports, workers', 'need the database'));
      return checks;
    }
    checks.push(await this.clock());
    const locations = await this.locations(options.site);
    if (options.site && locations.length === 0)
      checks.push(
        fail(
          `site ${options.site}`,
          'no active location at this site',
          'check --site against `ccat-dt topology`',
        ),
      );
    for (const l of locations) checks.push(await checkLocation(this.storage, l));
    const token = this.config.get('TRANSFER_TOKEN', { infer: true });
    const allowInsecure = this.config.get('TRANSFER_ALLOW_INSECURE', { infer: true });
    for (const l of locations.filter((x) => x.locationType === LocationType.BUFFER))
      checks.push(await checkDataUrl(l, token, allowInsecure));
    if (redis.status === 'OK') checks.push(...(await this.workers(locations)));
    else checks.push(skip('live workers', 'need Redis'));
    return checks;
  }

  private async database(): Promise<DoctorCheck[]> {
    const url = this.config.get('DATABASE_URL', { infer: true }).replace(/:[^:@/]+@/, ':***@');
    try {
      if (!this.dataSource.isInitialized) await within(10_000, this.dataSource.initialize());
    } catch (err) {
      return [
        fail(
          'database',
          `${url}: ${(err as Error).message}`,
          'set DATABASE_URL, or createdb and `ccat-dt migrate`',
        ),
      ];
    }
    const applied: { name: string }[] = await this.dataSource
      .query(`SELECT name FROM migrations`)
      .catch(() => []);
    const done = new Set(applied.map((m) => m.name));
    const pending = MIGRATIONS.map((m) => m.name).filter((n) => !done.has(n));
    return [
      ok('database', `${url} reachable`),
      pending.length
        ? fail('migrations', `${pending.length} pending: ${pending.join(', ')}`, 'ccat-dt migrate')
        : ok('migrations', `all ${MIGRATIONS.length} applied`),
    ];
  }

  private async redisCheck(): Promise<DoctorCheck> {
    try {
      await within(3000, this.redis.ping());
      return ok('redis', `${this.config.get('REDIS_URL', { infer: true })} answers`);
    } catch (err) {
      return fail(
        'redis',
        `${this.config.get('REDIS_URL', { infer: true })}: ${(err as Error).message}`,
        'start Redis or set REDIS_URL',
      );
    }
  }

  private async clock(): Promise<DoctorCheck> {
    const sent = Date.now();
    const [{ at }] = await this.dataSource.query(`SELECT extract(epoch FROM clock_timestamp()) * 1000 AS at`);
    const here = (sent + Date.now()) / 2;
    return clockCheck(here - Number(at));
  }

  private locations(site?: string): Promise<DataLocation[]> {
    return this.dataSource.getRepository(DataLocation).find({
      where: { active: true, ...(site ? { site: { shortName: site } } : {}) },
      relations: { site: true },
      order: { siteId: 'ASC', id: 'ASC' },
    });
  }

  /** A live worker for every site checked, and every live process on a release this one works with. */
  private async workers(locations: DataLocation[]): Promise<DoctorCheck[]> {
    const beats = await readHeartbeats(this.redis, this.config.get('REDIS_KEY_PREFIX', { infer: true }));
    const checks: DoctorCheck[] = [];
    for (const site of [...new Set(locations.map((l) => l.site!.shortName))]) {
      const serving = beats.filter(
        (b) => b.beat.type === 'worker' && b.beat.serves.some((q) => q.startsWith(`${site}_`)),
      );
      checks.push(
        serving.length
          ? ok(`workers of ${site}`, `${serving.length} live: ${serving.map((b) => b.beat.name).join(', ')}`)
          : fail(
              `workers of ${site}`,
              'no live worker serves its queues',
              `start \`worker --site ${site}\` where its storage is`,
            ),
      );
    }
    for (const { beat } of beats) {
      const check = `release of ${beat.type} ${beat.name}`;
      const release = beat.release ?? 'before 0.2.0';
      const mismatch = protocolMismatch(beat.protocol ?? 1, `${beat.type} ${beat.name}`, release);
      checks.push(
        mismatch
          ? fail(check, mismatch, 'upgrade the older side')
          : ok(check, release === RELEASE ? release : `${release} (this CLI ${RELEASE}; they work together)`),
      );
    }
    return checks;
  }
}
