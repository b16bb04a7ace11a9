export enum LocationType {
  SOURCE = 'source',
  BUFFER = 'buffer',
  LONG_TERM_ARCHIVE = 'long_term_archive',
  PROCESSING = 'processing',
}

export enum StorageType {
  DISK = 'disk',
  S3 = 's3',
  /** Modelled so the topology can name it; no backend reads or writes tape yet. */
  TAPE = 'tape',
}
