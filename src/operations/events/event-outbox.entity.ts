import { Check, Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { FILE_EVENT_TYPES, FileEventType } from './file-event';

/**
 * A fact about files that downstream consumers must hear of, written in the transaction that made it true
 * and relayed to the Redis Stream by the events manager afterwards (then deleted): an event is published
 * only once its transaction committed, and is not lost while Redis is down. One row covers the files of
 * `packageIds` (a package can hold thousands), expanded into one stream entry per file when relayed.
 * `file.failed` rows are written by database triggers on the work tables (migration EventOutbox), so
 * that every way work ends FAILED is covered; `file.archived` and `file.staged` by the processors.
 */
@Entity('event_outbox')
@Index('ix_event_outbox_created', ['createdAt'])
@Check('ck_event_outbox_type', `type IN (${FILE_EVENT_TYPES.map((t) => `'${t}'`).join(', ')})`)
export class EventOutbox {
  /** With each file's id, the file event's `eventId`: the same however often the row is relayed. */
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  type!: FileEventType;

  @Column({ type: 'uuid', array: true })
  packageIds!: string[];

  /** Where it happened: the archive or processing location, or the location of the failed work. */
  @Column({ type: 'int' })
  locationId!: number;

  /** What the event type adds to every file's data: `ltaTransferId`, `stagingJobId`, `operation`... */
  @Column({ type: 'jsonb' })
  details!: Record<string, unknown>;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
