import { setting } from '../../config/setting';
import { fileCountOfPackages } from '../../pipeline/packaging/raw-data-package.queries';
import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { REDIS } from '../../engine/redis/redis.module';
import { Environment } from '../../config/environment';
import { Manager, PipelineManager } from '../../engine/managers/pipeline-manager';
import { EVENTS_STREAM, FileEvent, fileEventId, FILE_EVENT_VERSION, toStreamFields } from './file-event';
import { loadOutboxFiles } from './outbox-files.query';

/** Outbox rows relayed per round trip at most; a row covers whole packages, so also capped by files. */
const BATCH_ROWS = 50;
/** Keeps a batch's events (about 1 KB each in memory) to tens of MB, whatever the packages hold. */
const FILES_PER_BATCH = 20_000;
/** A cycle stops after this many batches and leaves the rest to the next one (the lock is held meanwhile). */
const MAX_BATCHES_PER_CYCLE = 40;

/**
 * Moves committed events from the outbox to the Redis Stream: reads the oldest rows, XADDs one entry per
 * file (the stream capped at about EVENTS_STREAM_MAXLEN entries), and deletes the rows only once Redis
 * took them all. Redis down: the cycle fails, the rows wait for the next. A crash between XADD and the
 * delete relays a row again with the same event ids: delivery is at least once, consumers dedupe on
 * `eventId`. One cycle at a time (the manager lock), so entries keep the order of their commits.
 */
@Injectable()
@PipelineManager({ kind: 'events', interval: 'EVENTS_RELAY_INTERVAL' })
export class EventRelayManager implements Manager {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly config: ConfigService<Environment, true>,
  ) {}

  async runCycle(): Promise<Record<string, unknown>> {
    let rows = 0;
    let published = 0;
    for (let batch = 0; batch < MAX_BATCHES_PER_CYCLE; batch++) {
      const relayed = await this.relayBatch();
      rows += relayed.rows;
      published += relayed.events;
      if (relayed.rows === 0) break;
    }
    return { rows, published };
  }

  private async relayBatch(): Promise<{ rows: number; events: number }> {
    // The oldest rows, as many as hold about FILES_PER_BATCH files (at least one row, however large).
    const ids: string[] = (
      await this.dataSource.query(
        `SELECT id FROM (
           SELECT o.id, o.created_at, sum(o.files) OVER (ORDER BY o.created_at, o.id) - o.files AS before
             FROM (SELECT e.id, e.created_at,
                          ${fileCountOfPackages('e.package_ids')} AS files
                     FROM event_outbox e ORDER BY e.created_at, e.id LIMIT $1) o) w
          WHERE before < $2 ORDER BY created_at, id`,
        [BATCH_ROWS, FILES_PER_BATCH],
      )
    ).map((r: { id: string }) => r.id);
    if (ids.length === 0) return { rows: 0, events: 0 };
    const events: FileEvent[] = (await loadOutboxFiles(this.dataSource.manager, ids)).map((f) => ({
      eventId: fileEventId(f.outboxId, f.data.fileId),
      type: f.type,
      v: FILE_EVENT_VERSION,
      data: f.data,
    }));
    await this.publish(events);
    await this.dataSource.query(`DELETE FROM event_outbox WHERE id = ANY($1::uuid[])`, [ids]);
    return { rows: ids.length, events: events.length };
  }

  private async publish(events: FileEvent[]): Promise<void> {
    if (events.length === 0) return;
    const key = `${setting(this.config, 'REDIS_KEY_PREFIX')}${EVENTS_STREAM}`;
    const maxLen = String(this.config.get('EVENTS_STREAM_MAXLEN', { infer: true }));
    const pipeline = this.redis.pipeline();
    for (const e of events) pipeline.xadd(key, 'MAXLEN', '~', maxLen, '*', ...toStreamFields(e));
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([err]) => err);
    if (failed || results.length !== events.length)
      throw new Error(
        `Redis refused events (kept for the next cycle): ${failed?.[0]?.message ?? 'no reply'}`,
      );
  }
}
