import { Inject } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import Redis from 'ioredis';
import { Command, CommandRunner } from 'nest-commander';
import { REDIS } from '../../common/redis/redis.module';
import { Environment } from '../../config/environment';
import { Heartbeat } from './heartbeat';

@Command({ name: 'services', description: 'List live workers and managers (their heartbeats in Redis)' })
export class ServicesCommand extends CommandRunner {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly config: ConfigService<Environment, true>,
  ) {
    super();
  }

  async run(): Promise<void> {
    const prefix = this.config.get('REDIS_KEY_PREFIX', { infer: true });
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.redis.scan(cursor, 'MATCH', `${prefix}health:*`, 'COUNT', 500);
      keys.push(...batch);
      cursor = next;
    } while (cursor !== '0');
    if (keys.length === 0) {
      console.log(
        'No live services: no heartbeat keys in Redis (every worker and manager is down, or Redis was reset).',
      );
      return;
    }
    const values = await this.redis.mget(...keys);
    const ttls = await Promise.all(keys.map((k) => this.redis.pttl(k)));
    const now = Date.now();
    const rows = values
      .map((v, i) => ({ beat: v ? (JSON.parse(v) as Heartbeat) : null, ttl: ttls[i] }))
      .filter((r): r is { beat: Heartbeat; ttl: number } => r.beat !== null)
      .sort((a, b) => a.beat.type.localeCompare(b.beat.type) || a.beat.name.localeCompare(b.beat.name));
    console.table(
      rows.map(({ beat, ttl }) => ({
        type: beat.type,
        name: beat.name,
        host: beat.host,
        pid: beat.pid,
        'last beat': `${Math.round((now - Date.parse(beat.beatAt)) / 1000)} s ago`,
        'expires in': `${Math.round(ttl / 1000)} s`,
        up: `${Math.round((now - Date.parse(beat.startedAt)) / 1000)} s`,
        serves: beat.serves.length > 3 ? `${beat.serves.length} queues` : beat.serves.join(', '),
      })),
    );
    for (const { beat } of rows.filter((r) => r.beat.serves.length > 3)) {
      console.log(`\n${beat.name} serves:\n  ${beat.serves.join('\n  ')}`);
    }
  }
}
