import Redis from 'ioredis';
import { EVENTS_STREAM, FileEvent, parseStreamFields } from '../../src/operations/events/file-event';

/**
 * A downstream consumer of the event stream as docs/events.md describes one: a consumer group, entries
 * read with XREADGROUP and acknowledged with XACK once handled, duplicates dropped by `eventId`.
 */
export class EventConsumer {
  readonly seen = new Map<string, FileEvent>();

  private constructor(
    private readonly redis: Redis,
    readonly key: string,
    private readonly group: string,
  ) {}

  /** Creates the group at the end of the stream (`$`): it gets what is published from now on. */
  static async create(redis: Redis, keyPrefix: string, group: string): Promise<EventConsumer> {
    const key = `${keyPrefix}${EVENTS_STREAM}`;
    await redis.xgroup('CREATE', key, group, '$', 'MKSTREAM');
    return new EventConsumer(redis, key, group);
  }

  /** Reads and acknowledges what is waiting for this group; returns the events not seen before. */
  async poll(): Promise<FileEvent[]> {
    const fresh: FileEvent[] = [];
    for (;;) {
      const reply = (await this.redis.xreadgroup(
        'GROUP',
        this.group,
        'test-consumer',
        'COUNT',
        500,
        'STREAMS',
        this.key,
        '>',
      )) as [string, [string, string[]][]][] | null;
      const entries = reply?.[0]?.[1] ?? [];
      if (entries.length === 0) return fresh;
      for (const [, fields] of entries) {
        const event = parseStreamFields(fields);
        if (!this.seen.has(event.eventId)) fresh.push(event);
        this.seen.set(event.eventId, event);
      }
      await this.redis.xack(this.key, this.group, ...entries.map(([id]) => id));
    }
  }

  all(type?: FileEvent['type']): FileEvent[] {
    return [...this.seen.values()].filter((e) => !type || e.type === type);
  }

  /** Entries delivered to this group and not acknowledged. */
  async pending(): Promise<number> {
    const [count] = (await this.redis.xpending(this.key, this.group)) as [number];
    return count;
  }
}
