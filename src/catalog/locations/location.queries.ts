import { LocationType, StorageType } from './location-type';

/**
 * Which archive locations take new copies, written once. An archive location takes new copies when it is
 * active, not retiring, and of a storage that a backend writes (tape is modelled, not written). The buffer
 * path (which archive sites a bundle goes to, and when it is distributed), the archive uploads, the
 * replication reconciler and explain all ask this; reading existing copies (staging, replication sources,
 * safety) does not, because a retiring archive's copies are still there and still verified.
 */
export const takesNewArchiveCopies = (l: string) =>
  `(${l}.location_type = '${LocationType.LONG_TERM_ARCHIVE}' AND ${l}.active AND NOT ${l}.retiring
    AND ${l}.storage_type <> '${StorageType.TAPE}')`;

/** Site `site` (SQL for its id) has an archive location that takes new copies. */
export const siteTakesNewArchiveCopies = (site: string) =>
  `EXISTS (SELECT 1 FROM data_location tn WHERE tn.site_id = ${site} AND ${takesNewArchiveCopies('tn')})`;
