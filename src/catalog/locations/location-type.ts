export enum LocationType {
  SOURCE = 'source',
  BUFFER = 'buffer',
  LONG_TERM_ARCHIVE = 'long_term_archive',
  PROCESSING = 'processing',
}

/**
 * How a location takes part, as operators steer it: `active`, `draining` (no new work; its workers keep
 * serving, so what is on it moves on) or `offline` (maintenance: its queues are unbound, and work for it
 * that no worker has claimed moves to the next location of its type at its site). Stored as `active`
 * (false: offline) and `draining`.
 */
export enum LocationMode {
  ACTIVE = 'active',
  DRAINING = 'draining',
  OFFLINE = 'offline',
}

/** How an archive location shares its site's copy: each mirror holds its own; failovers hold one between them. */
export enum ArchiveRole {
  MIRROR = 'mirror',
  FAILOVER = 'failover',
}

export enum StorageType {
  DISK = 'disk',
  S3 = 's3',
  /** Modelled so the topology can name it; no backend reads or writes tape yet. */
  TAPE = 'tape',
}
