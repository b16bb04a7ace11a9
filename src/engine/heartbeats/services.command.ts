import { printTable } from '../report/report-table';
import { Inject } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import Redis from 'ioredis';
import { Command, CommandRunner } from 'nest-commander';
import { REDIS } from '../redis/redis.module';
import { Environment } from '../../config/environment';
import { readHeartbeats } from './heartbeat';

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
    const rows = await readHeartbeats(this.redis, prefix);
    if (rows.length === 0) {
      console.log(
        'No live services: no heartbeat keys in Redis (every worker and manager is down, or Redis was reset).',
      );
      return;
    }
    const now = Date.now();
    printTable(
      rows.map(({ beat, ttlMs: ttl }) => ({
        type: beat.type,
        name: beat.name,
        host: beat.host,
        pid: beat.pid,
        release: beat.release ?? 'before 0.2.0',
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
