/**
 * The events published on the Redis Stream `ccat:events` (docs/events.md): one stream entry per file,
 * with the fields `eventId`, `type`, `v` and `data` (JSON). `v` changes only if a field changes meaning or
 * goes away; fields may be added within a version.
 */
export const FILE_EVENT_TYPES = ['file.archived', 'file.staged', 'file.failed'] as const;
export type FileEventType = (typeof FILE_EVENT_TYPES)[number];
export const FILE_EVENT_VERSION = 1;
/** The stream's key in production; a REDIS_KEY_PREFIX (test runs sharing one Redis) is prepended. */
export const EVENTS_STREAM = 'ccat:events';

/** What every file event says about its file, and where and when it happened. */
export interface FileEventFacts {
  fileId: string;
  path: string;
  size: number;
  sha256: string;
  obsUnitId: string;
  obsUnit: string;
  instrument: string;
  module: string;
  packageId: string;
  packageName: string;
  /** The site and location the event happened at: the archive, the processing location, the failed work's. */
  site: string;
  location: string;
  /** When the fact was committed (ISO 8601). */
  at: string;
}

/**
 * The facts and what the type adds: file.archived `ltaTransferId`, `packagePath`; file.staged
 * `stagingJobId`; file.failed `operation`, `workId`, `reason`.
 */
export type FileEventData = FileEventFacts & Record<string, unknown>;

export interface FileEvent {
  eventId: string;
  type: FileEventType;
  v: number;
  data: FileEventData;
}

/** A file's event id: its outbox row and the file, so a re-relayed row repeats the same ids. */
export function fileEventId(outboxId: string, fileId: string): string {
  return `${outboxId}:${fileId}`;
}

/** The field/value list of XADD for one event. */
export function toStreamFields(event: FileEvent): string[] {
  return [
    'eventId',
    event.eventId,
    'type',
    event.type,
    'v',
    String(event.v),
    'data',
    JSON.stringify(event.data),
  ];
}

/** A stream entry's fields (as XREADGROUP returns them) back into an event; throws on an entry not ours. */
export function parseStreamFields(fields: string[]): FileEvent {
  const f = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) f.set(fields[i], fields[i + 1]);
  const type = f.get('type') as FileEventType;
  if (!FILE_EVENT_TYPES.includes(type)) throw new Error(`not a file event: type ${String(type)}`);
  const v = Number(f.get('v'));
  if (v !== FILE_EVENT_VERSION)
    throw new Error(`file event version ${f.get('v')} is not ${FILE_EVENT_VERSION}`);
  return {
    eventId: f.get('eventId') ?? '',
    type,
    v,
    data: JSON.parse(f.get('data') ?? 'null') as FileEventData,
  };
}
